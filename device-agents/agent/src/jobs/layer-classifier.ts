/**
 * Gives each profiled layer its canonical op class. Op type names alone do not say whether an
 * ONNX "Conv" is depthwise, so layers are matched by name to the model's own nodes, whose
 * depthwise flag model-inspect reads from the weights.
 */
import { readFileSync } from 'node:fs';
import type { LayerTiming, RunnerLayerTiming } from '@farm/contracts';
import { canonicalOpClass, inspectModel } from '@farm/model-inspect';

export function classifyLayers(modelPath: string, layers: RunnerLayerTiming[]): LayerTiming[] {
  let depthwise = new Set<string>();
  try {
    depthwise = new Set(
      inspectModel(readFileSync(modelPath))
        .nodes.filter((n) => n.depthwise)
        .map((n) => n.name),
    );
  } catch {
    // A model the platform cannot inspect still gets classes from op type names.
  }
  return layers.map((l) => ({ ...l, opClass: canonicalOpClass(l.opType, { depthwise: depthwise.has(l.name) || depthwise.has(stripProfilerSuffix(l.name)) }) }));
}

/**
 * Profilers decorate node names: ORT appends "_kernel_time", names layers it re-laid out after
 * their output tensor ("<node>:0_nchwc"); OpenCV prefixes "onnx_node!". The model's node name is the stem.
 */
export function stripProfilerSuffix(name: string): string {
  return name
    .replace(/^onnx_node!/, '')
    .replace(/_kernel_time$/, '')
    .replace(/_nchwc$/, '')
    .replace(/:\d+$/, '');
}
