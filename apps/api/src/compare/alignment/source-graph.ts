/**
 * The source graph that layer alignment maps every framework's profiled layers onto: the
 * model's original ONNX graph (its node names are what ONNX Runtime, OpenCV DNN and our int8
 * plan report), or, for a TFLite-only model, the TFLite ops themselves. Each node carries what
 * the alignment and the advisor read: op class, inputs and outputs, output shape (NCHW for ONNX,
 * as inferred by the int8 compiler's per-node shape inference) and, for convolutions, channels,
 * groups, dilations and whether it is transposed.
 */
import type { OpClass } from '@farm/contracts';
import { inferNode, OnnxGraph, type OnnxNode } from '@farm/int8-compiler';
import { canonicalOpClass, inspectModel } from '@farm/model-inspect';
import onnxProto from 'onnx-proto';

export interface ConvInfo {
  inChannels: number;
  outChannels: number;
  group: number;
  kernel: number[];
  dilations: number[];
  transposed: boolean;
}

export interface SourceNode {
  /** The node name; for an unnamed ONNX node its first output, as model-inspect names it. */
  name: string;
  /** An unnamed ONNX node's "<OpType>_<index>", the name the int8 compiler (and so its plan) gives it. */
  alias?: string;
  opType: string;
  opClass: OpClass;
  inputs: string[];
  outputs: string[];
  /** Static output shape, when known (ONNX: NCHW; TFLite: NHWC). */
  outShape: number[] | null;
  conv: ConvInfo | null;
  /** Produces a constant only (Constant, ConstantOfShape on constants, Shape): engines fold these at load. */
  constant: boolean;
}

export interface SourceGraph {
  format: 'onnx' | 'tflite';
  nodes: SourceNode[];
  /** Graph inputs (fed tensors), not initializers. */
  inputs: string[];
}

const CONSTANT_OPS = new Set(['Constant', 'ConstantOfShape', 'Shape']);

function attrInts(n: OnnxNode, name: string): number[] | undefined {
  const a = n.attrs[name];
  return a && a.kind === 'is' ? a.v : undefined;
}
function attrInt(n: OnnxNode, name: string, dflt: number): number {
  const a = n.attrs[name];
  return a && a.kind === 'i' ? a.v : dflt;
}

function convInfo(g: OnnxGraph, n: OnnxNode): ConvInfo | null {
  if (n.opType !== 'Conv' && n.opType !== 'ConvTranspose') return null;
  const w = g.constants.get(n.inputs[1] ?? '')?.dims ?? g.types.get(n.inputs[1] ?? '')?.shape;
  if (!w || w.length < 3) return null;
  const group = attrInt(n, 'group', 1);
  const transposed = n.opType === 'ConvTranspose';
  // Conv weights are [M, C/group, k...]; ConvTranspose weights are [C, M/group, k...].
  const inChannels = transposed ? w[0]! : w[1]! * group;
  const outChannels = transposed ? w[1]! * group : w[0]!;
  const kernel = w.slice(2).map(Number);
  return { inChannels, outChannels, group, kernel, dilations: attrInts(n, 'dilations') ?? kernel.map(() => 1), transposed };
}

export function onnxSourceGraph(bytes: Uint8Array): SourceGraph {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const unnamed = new Set((model.graph?.node ?? []).map((n, i) => (n.name ? -1 : i)).filter((i) => i >= 0));
  const g = OnnxGraph.fromModel(model);
  // Shapes node by node: an op the int8 compiler's inference does not know leaves its outputs
  // unknown (later nodes may still get theirs from value_info) instead of failing the whole graph.
  for (const n of g.nodes) {
    try {
      inferNode(g, n).forEach((v, i) => {
        const o = n.outputs[i];
        if (o && v && !g.types.get(o)?.shape) g.types.set(o, v);
      });
    } catch {
      /* shape unknown for this node */
    }
  }
  const constantValues = new Set(g.constants.keys());
  const nodes = g.nodes.map((n, i): SourceNode => {
    const conv = convInfo(g, n);
    const constant = CONSTANT_OPS.has(n.opType) || (n.inputs.length > 0 && n.inputs.every((x) => !x || constantValues.has(x)));
    if (constant) for (const o of n.outputs) constantValues.add(o);
    const shape = g.types.get(n.outputs[0] ?? '')?.shape;
    return {
      name: unnamed.has(i) ? (n.outputs[0] ?? n.name) : n.name,
      ...(unnamed.has(i) ? { alias: n.name } : {}),
      opType: n.opType,
      opClass: canonicalOpClass(n.opType, { depthwise: !!conv && conv.group > 1 && conv.group === conv.inChannels }),
      inputs: n.inputs.filter((x) => x && !g.constants.has(x)),
      outputs: n.outputs.filter((x) => x),
      outShape: shape ? [...shape] : null,
      conv,
      constant,
    };
  });
  return { format: 'onnx', nodes, inputs: [...g.inputs] };
}

/** TFLite ops in execution order; inputs and outputs are not needed for sequence alignment, only names, classes and shapes. */
export function tfliteSourceGraph(bytes: Uint8Array): SourceGraph {
  const info = inspectModel(bytes);
  return {
    format: 'tflite',
    inputs: info.inputs.map((t) => t.name),
    nodes: info.nodes.map((n) => ({
      name: n.name,
      opType: n.opType,
      opClass: canonicalOpClass(n.opType, { depthwise: n.depthwise }),
      inputs: [],
      outputs: [n.name],
      outShape: n.outputShape ?? null,
      conv: null,
      // fp16 weights are stored as constants behind DEQUANTIZE ops, which the delegate folds at load.
      constant: n.opType === 'DEQUANTIZE',
    })),
  };
}
