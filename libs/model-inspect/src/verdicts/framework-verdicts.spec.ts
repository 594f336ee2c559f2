// Verdicts from real inspections: the sample models, and graphs built here with a custom-domain op,
// a control-flow op and a quantized graph. What really happens when each engine runs them is
// checked in test/integration/verdicts.int-spec.ts.
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import onnxProto from 'onnx-proto';
import { inspectModel } from '../inspect-model.js';
import type { OnnxModelMetadata } from '../model-info.js';
import { frameworkVerdicts } from './framework-verdicts.js';

const { onnx } = onnxProto;

function onnxWith(nodes: { opType: string; domain?: string }[], opsets = [{ domain: '', version: 13 }]): Uint8Array {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 4 }] } } } });
  const chain = nodes.map((n, i) => ({ ...n, name: `n${i}`, input: [i === 0 ? 'x' : `t${i}`], output: [i === nodes.length - 1 ? 'y' : `t${i + 1}`] }));
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({ irVersion: 8, opsetImport: opsets, graph: { name: 'g', node: chain, input: [vi('x')], output: [vi('y')] } }),
  ).finish();
}

function verdicts(bytes: Uint8Array, quantized = false) {
  const info = inspectModel(bytes);
  const meta = info.metadata as OnnxModelMetadata;
  return {
    info,
    v: Object.fromEntries(
      frameworkVerdicts({ format: info.format, opHistogram: info.opHistogram, customOps: meta.customOps, opset: meta.opset, quantized }).map((x) => [
        x.framework,
        x,
      ]),
    ),
  };
}

describe('framework verdicts', () => {
  it('lists an ONNX op of a foreign domain at upload, and ORT and OpenCV cannot run it', () => {
    const { info, v } = verdicts(
      onnxWith(
        [{ opType: 'Relu' }, { opType: 'FancyNorm', domain: 'com.example' }, { opType: 'ZipMap', domain: 'ai.onnx.ml' }],
        [
          { domain: '', version: 13 },
          { domain: 'com.example', version: 1 },
          { domain: 'ai.onnx.ml', version: 3 },
        ],
      ),
    );
    assert.deepEqual((info.metadata as OnnxModelMetadata).customOps, [{ op: 'FancyNorm', domain: 'com.example', count: 1 }]);
    assert.equal(v.onnxruntime!.verdict, 'not_runnable');
    assert.deepEqual(
      v.onnxruntime!.reasons.map((r) => r.op),
      ['FancyNorm'],
    );
    assert.equal(v['opencv-dnn']!.verdict, 'not_runnable');
    assert.equal(v['native-int8']!.verdict, 'not_runnable');
    assert.equal(v.tflite, undefined, 'tflite does not read ONNX: no verdict');
  });

  it('says unknown, not runnable, where the data cannot say', () => {
    const { v } = verdicts(onnxWith([{ opType: 'Relu' }, { opType: 'Sigmoid' }]));
    assert.equal(v.onnxruntime!.verdict, 'runnable');
    assert.equal(v['opencv-dnn']!.verdict, 'unknown');
    assert.deepEqual(
      v['opencv-dnn']!.reasons.map((r) => r.op),
      ['Sigmoid'],
    );
    assert.equal(verdicts(onnxWith([{ opType: 'QuantizeLinear' }, { opType: 'DequantizeLinear' }]), true).v['native-int8']!.verdict, 'unknown');
    assert.equal(frameworkVerdicts({ format: 'tflite', opHistogram: {}, customOps: undefined, quantized: false })[0]!.verdict, 'unknown');
  });

  it('refuses an opset above the ORT pin and control flow on OpenCV', () => {
    assert.equal(verdicts(onnxWith([{ opType: 'Relu' }], [{ domain: '', version: 27 }])).v.onnxruntime!.verdict, 'not_runnable');
    assert.match(verdicts(onnxWith([{ opType: 'If' }])).v['opencv-dnn']!.reasons[0]!.why, /If: .* no control-flow layers/);
  });
});
