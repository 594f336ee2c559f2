/**
 * The generated MobileNetV2-shaped network end to end: the builder's fp32 ONNX (with BN) runs
 * in ORT; our quantizer folds BN and writes QDQ; ORT's int8 path and our compiler + runner run
 * that QDQ model. Checks: BN folding kept fp32 outputs, ORT loads the QDQ model, and our
 * logits are within one quantization step of ORT's for >= 99.9% of elements.
 */
import { test } from '@jest/globals';
import { testUnless } from '../../../test/fixtures/skip.js';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { agreement, compileToPlan, quantizeOnnx, runPlan } from './index.js';
import { buildMobileNetV2 } from './testing/mobilenetv2-builder.js';
import { OnnxGraph } from './onnx/onnx-graph.js';
import { foldConstants } from './passes/constant-fold.pass.js';
import { foldBatchNorm } from './passes/bn-fold.pass.js';
import { ortSession } from '../../../test/fixtures/int8/ort-helpers.js';
import { opCounts, outputSteps } from '../../../test/fixtures/int8/plan-inspect.js';
import { syntheticImage } from './testing/synthetic-images.js';
import { runnerSkip, tempDir } from '../../../test/fixtures/int8/test-env.js';

const SIZE = 128;
const DIMS = [1, 3, SIZE, SIZE];

test('MobileNetV2-shaped: BN folding keeps the fp32 outputs (ORT before/after)', async () => {
  const fp32 = buildMobileNetV2({ inputSize: SIZE });
  const g = OnnxGraph.fromBytes(fp32);
  foldConstants(g);
  const folded = foldBatchNorm(g);
  assert.equal(folded, 52);
  assert.equal(g.nodes.filter((n) => n.opType === 'BatchNormalization').length, 0);
  const x = new ort.Tensor('float32', syntheticImage(DIMS, 5, 'NCHW'), DIMS);
  const a = await (await ortSession(fp32)).run({ input: x });
  const b = await (await ortSession(g.toBytes())).run({ input: x });
  const ag = agreement(a.logits!.data as Float32Array, b.logits!.data as Float32Array);
  assert.ok(ag.maxAbsError <= 1e-3 * Math.max(1, ag.maxAbsReference), `folded vs unfolded max err ${ag.maxAbsError}`);
});

testUnless(runnerSkip())('MobileNetV2-shaped: int8-runner matches ORT on the same QDQ model within 1 step for >= 99.9% of elements', async () => {
  const fp32 = buildMobileNetV2({ inputSize: SIZE });
  const calib = [1, 2, 3, 4].map((s) => ({ input: { data: syntheticImage(DIMS, s, 'NCHW'), dims: DIMS } }));
  const { model, report } = await quantizeOnnx(fp32, { calibration: 'minmax', inputs: calib });
  assert.equal(report.bnFolded, 52);
  const x = syntheticImage(DIMS, 42, 'NCHW');
  const feeds = { input: new ort.Tensor('float32', x, DIMS) };
  const ortQ = await (await ortSession(model)).run(feeds);
  const ortF = await (await ortSession(fp32)).run(feeds);
  const dir = tempDir('mnv2-plan-');
  const compiled = compileToPlan(model, dir, 'mobilenetv2');
  const ops = opCounts(compiled.planPath);
  assert.equal(ops.depthwise_conv2d, 17);
  assert.equal(ops.add, 10);
  assert.equal(ops.fully_connected, 1);
  assert.equal(ops.clip ?? 0, 0, 'every ReLU6 is fused into its conv as a clamp');
  const ours = await runPlan({ planPath: compiled.planPath, inputs: [x], outputs: compiled.outputs });
  const step = outputSteps(compiled.planPath)[0]!;
  const vsOrt = agreement(ortQ.logits!.data as Float32Array, ours.outputs[0]!, step * 1.0001);
  const vsFp32 = agreement(ortF.logits!.data as Float32Array, ours.outputs[0]!);
  console.log(
    `MobileNetV2-shaped: vs ORT-int8 ${(vsOrt.withinTolerance! * 100).toFixed(2)}% within one step (${step.toExponential(2)}), max err ${vsOrt.maxAbsError.toFixed(4)}; vs fp32 cosine ${vsFp32.cosine.toFixed(5)}`,
  );
  assert.ok(vsOrt.withinTolerance! >= 0.999, `only ${(vsOrt.withinTolerance! * 100).toFixed(2)}% within one step`);
  assert.ok(vsFp32.cosine > 0.9, `int8 vs fp32 cosine ${vsFp32.cosine}`);
});
