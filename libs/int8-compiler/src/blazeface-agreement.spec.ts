/**
 * BlazeFace end to end: our quantizer -> QDQ ONNX; ONNX Runtime (int8 kernels after its QDQ
 * fusion) and our compiler + int8-runner run the same QDQ model on the same input. Outputs
 * must agree within one quantization step of each output for >= 99.9% of elements.
 */
import { testUnless } from '../../../test/fixtures/skip.js';
import assert from 'node:assert/strict';
import { compileToPlan, quantizeOnnx, agreement, runPlan } from './index.js';
import { blazefaceBytes, runnerSkip, tempDir } from '../../../test/fixtures/int8/test-env.js';
import { ortSession } from '../../../test/fixtures/int8/ort-helpers.js';
import { outputSteps } from '../../../test/fixtures/int8/plan-inspect.js';
import { syntheticImage } from './testing/synthetic-images.js';
import * as ort from 'onnxruntime-node';

const DIMS = [1, 128, 128, 3];

for (const calibration of ['minmax', 'percentile'] as const) {
  testUnless(runnerSkip())(`BlazeFace (${calibration}): int8-runner matches ORT on the same QDQ model within 1 step for >= 99.9% of elements`, async () => {
    const fp32 = blazefaceBytes();
    const calib = [1, 2, 3, 4].map((s) => ({ 'input:0': { data: syntheticImage(DIMS, s, 'NHWC'), dims: DIMS } }));
    const { model, report } = await quantizeOnnx(fp32, { calibration, inputs: calib });
    assert.equal(report.syntheticCalibration, false);
    assert.equal(report.activationType, 'uint8');

    const x = syntheticImage(DIMS, 99, 'NHWC');
    const feeds = { 'input:0': new ort.Tensor('float32', x, DIMS) };
    const ortQ = await (await ortSession(model)).run(feeds);
    const ortF = await (await ortSession(fp32)).run(feeds);

    const dir = tempDir('blazeface-plan-');
    const compiled = compileToPlan(model, dir, 'blazeface');
    const steps = outputSteps(compiled.planPath);
    const ours = await runPlan({ planPath: compiled.planPath, inputs: [x], outputs: compiled.outputs });

    compiled.outputs.forEach((o, i) => {
      const ref = ortQ[o.name]!.data as Float32Array;
      const a = agreement(ref, ours.outputs[i]!, steps[i]! * 1.0001);
      const vsFp32 = agreement(ortF[o.name]!.data as Float32Array, ours.outputs[i]!);
      console.log(
        `${calibration} ${o.name}: vs ORT-int8 within 1 step ${(a.withinTolerance! * 100).toFixed(3)}% (max err ${a.maxAbsError.toExponential(2)}, step ${steps[i]!.toExponential(2)}); vs fp32 cosine ${vsFp32.cosine.toFixed(5)} maxAbs ${vsFp32.maxAbsError.toFixed(4)}`,
      );
      assert.ok(a.withinTolerance! >= 0.999, `${o.name}: only ${(a.withinTolerance! * 100).toFixed(3)}% within one step`);
      assert.ok(vsFp32.cosine > 0.9, `${o.name}: int8 vs fp32 cosine ${vsFp32.cosine}`);
    });
  });
}
