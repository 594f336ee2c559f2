import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { OnnxGraph } from '../onnx/onnx-graph.js';
import { toNumbers } from '../onnx/onnx-proto.js';
import { buildMobileNetV2 } from '../testing/mobilenetv2-builder.js';
import { syntheticImage } from '../testing/synthetic-images.js';
import { SYNTHETIC_CALIBRATION_WARNING, activationParams, quantizeOnnx } from './quantize.js';

const DIMS = [1, 3, 64, 64];
const net = () => buildMobileNetV2({ inputSize: 64, widthMultiplier: 0.35, classes: 10, seed: 3 });
const calib = () => [1, 2].map((s) => ({ input: { data: syntheticImage(DIMS, s, 'NCHW'), dims: DIMS } }));

test('quantizer: without calibration inputs the report carries the synthetic-calibration warning', async () => {
  const { report } = await quantizeOnnx(net(), { calibration: 'minmax' });
  assert.equal(report.syntheticCalibration, true);
  assert.equal(report.warnings[0], SYNTHETIC_CALIBRATION_WARNING);
  assert.match(report.warnings[0]!, /meaningless/);
});

test('quantizer: output is QDQ with per-channel int8 weights (axis 0), int32 bias at s_x*s_w, uint8 activations; ORT runs it', async () => {
  const { model, report } = await quantizeOnnx(net(), { calibration: 'minmax', inputs: calib() });
  assert.equal(report.syntheticCalibration, false);
  assert.equal(report.bnFolded, 52);
  const g = OnnxGraph.fromBytes(model);
  assert.equal(g.nodes.filter((n) => n.opType === 'BatchNormalization').length, 0);
  const prod = g.producerMap();
  const conv = g.nodes.find((n) => n.opType === 'Conv')!;
  const wdq = prod.get(conv.inputs[1]!)!;
  assert.equal(wdq.opType, 'DequantizeLinear');
  const w = g.constants.get(wdq.inputs[0]!)!;
  const ws = toNumbers(g.constants.get(wdq.inputs[1]!)!);
  assert.equal(w.dtype, 'int8');
  assert.equal(ws.length, w.dims[0]);
  assert.equal(wdq.attrs.axis?.v, 0);
  assert.ok(toNumbers(g.constants.get(wdq.inputs[2]!)!).every((z) => z === 0));
  assert.ok(
    toNumbers(w).every((v) => v >= -63 && v <= 63),
    'reduced-range weights',
  );
  const bdq = prod.get(conv.inputs[2]!)!;
  assert.equal(g.constants.get(bdq.inputs[0]!)!.dtype, 'int32');
  const xdq = prod.get(conv.inputs[0]!)!;
  const sx = toNumbers(g.constants.get(xdq.inputs[1]!)!)[0]!;
  const bs = toNumbers(g.constants.get(bdq.inputs[1]!)!);
  bs.forEach((s, o) => assert.ok(Math.abs(s - sx * ws[o]!) <= 1e-6 * s));
  assert.equal(g.constants.get(xdq.inputs[2]!)!.dtype, 'uint8');
  const s = await ort.InferenceSession.create(model);
  const r = await s.run({ input: new ort.Tensor('float32', syntheticImage(DIMS, 9, 'NCHW'), DIMS) });
  assert.equal((r.logits!.data as Float32Array).length, 10);
});

test('quantizer: percentile calibration clips ranges relative to min-max', async () => {
  const a = await quantizeOnnx(net(), { calibration: 'minmax', inputs: calib() });
  const b = await quantizeOnnx(net(), { calibration: 'percentile', percentile: 99, inputs: calib() });
  assert.equal(b.report.percentile, 99);
  const scales = (m: Uint8Array) => {
    const g = OnnxGraph.fromBytes(m);
    return g.nodes.filter((n) => n.opType === 'QuantizeLinear').map((n) => Number(g.constants.get(n.inputs[1]!)!.data[0]));
  };
  const sa = scales(a.model),
    sb = scales(b.model);
  assert.equal(sa.length, sb.length);
  assert.ok(
    sb.every((s, i) => s <= sa[i]! * 1.0001),
    'percentile ranges never exceed min-max ranges',
  );
  assert.ok(
    sb.some((s, i) => s < sa[i]! * 0.99),
    'and some are clipped',
  );
});

test('activationParams: zero is exactly representable; int8 variant shifts the zero point by 128', () => {
  const u = activationParams({ min: -1, max: 3 }, 'uint8');
  assert.equal(u.zeroPoint, 64);
  assert.ok(Math.abs(u.scale - 4 / 255) < 1e-7);
  assert.equal(activationParams({ min: -1, max: 3 }, 'int8').zeroPoint, -64);
  assert.deepEqual(activationParams({ min: 0, max: 0 }, 'uint8'), { scale: 1, zeroPoint: 0 });
});
