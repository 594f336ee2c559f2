// Real OpenCV DNN (the native opencv_runner, built on first use) on the real BlazeFace ONNX model.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { RunnerOutputSchema } from '@farm/contracts';
import { OpencvDnnRunner } from './opencv-dnn.runner.js';
import { median, RunnerError, type DeviceTarget } from './runner.js';
import {
  assertLayerSamples,
  BLAZEFACE_ONNX_INPUTS,
  BLAZEFACE_ONNX_OUTPUTS,
  ensureOpencvRunner,
  ensureSampleModels,
  plausibleLayerSum,
  QUICK,
  SAMPLE,
  tempDir,
  writeDynamicReluOnnx,
  writeGarbage,
  LOCAL_TRANSPORT,
  localDevice,
} from '../../../../test/fixtures/runner-fixtures.js';

describe('OpencvDnnRunner (native opencv_runner)', () => {
  let runner: OpencvDnnRunner;
  let dir: string;
  let device: DeviceTarget;
  beforeAll(async () => {
    device = await localDevice();
    ensureSampleModels();
    runner = new OpencvDnnRunner(ensureOpencvRunner());
    dir = tempDir();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await LOCAL_TRANSPORT.cleanup(device.workspace);
  });

  it('probes the OpenCV version the binary links', async () => {
    const a = await runner.probe(device);
    assert.equal(a?.framework, 'opencv-dnn');
    assert.match(a!.version, /^4\.\d+/);
  });

  it('is unusable, not broken, when the binary is missing', async () => {
    assert.equal(await new OpencvDnnRunner('/nonexistent/opencv_runner').probe(device), null);
    await assert.rejects(
      new OpencvDnnRunner('/nonexistent/opencv_runner').run({
        device,
        modelPath: SAMPLE.blazefaceOnnx,
        inputs: BLAZEFACE_ONNX_INPUTS,
        outputs: [],
        options: QUICK,
      }),
      (e: unknown) => e instanceof RunnerError && e.code === 'RUNNER_UNAVAILABLE',
    );
  });

  it('benchmarks BlazeFace (NHWC input) with per-layer times and a stable digest', async () => {
    const req = { device, modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: BLAZEFACE_ONNX_OUTPUTS, options: QUICK };
    const a = await runner.run(req);
    const b = await runner.run(req);
    RunnerOutputSchema.parse(a);
    assert.equal(a.latenciesMs.length, QUICK.timedRuns);
    assert.ok(a.layers.length > 50, `got ${a.layers.length} layers`);
    assert.ok(a.layers.some((l) => l.opType === 'Convolution'));
    assertLayerSamples(a.layers, a.profiledRuns);
    assert.ok(a.peakMemoryBytes! > 0);
    const sum = a.layers.reduce((s, l) => s + l.timeMs, 0);
    assert.ok(plausibleLayerSum(sum, median(a.latenciesMs)), `layer sum ${sum} ms vs median ${median(a.latenciesMs)} ms`);
    assert.equal(a.outputDigest, b.outputDigest);
    // The model and the binary reached the device once: the runs found them in the push cache.
    assert.equal((await LOCAL_TRANSPORT.push(device.workspace, SAMPLE.blazefaceOnnx)).pushed, false);
  });

  it('feeds options.inputs through the input files it pushes (opencv_runner unchanged)', async () => {
    const base = { device, modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: BLAZEFACE_ONNX_OUTPUTS };
    const options = { ...QUICK, profileRuns: 0, timedRuns: 1 };
    const synthetic = await runner.run({ ...base, options });
    const given = { ...options, inputs: { 'input:0': { kind: 'constant' as const, value: 0.25 } } };
    const a = await runner.run({ ...base, options: given });
    const b = await runner.run({ ...base, options: { ...given, seed: 99 } });
    assert.notEqual(a.outputDigest, synthetic.outputDigest);
    assert.equal(a.outputDigest, b.outputDigest, 'a constant does not depend on the seed');
  });

  it('rejects a garbage model permanently, with OpenCV’s own message', async () => {
    const bad = writeGarbage(dir, 'garbage.onnx');
    await assert.rejects(
      runner.run({ device, modelPath: bad, inputs: BLAZEFACE_ONNX_INPUTS, outputs: [], options: QUICK }),
      (e: unknown) =>
        e instanceof RunnerError && e.permanent && e.code === 'RUNNER_MODEL_REJECTED' && /^OpenCV\(4.*Failed to parse ONNX model/s.test(e.message),
    );
  });

  it('needs options.inputShapes for a dynamic dim, and runs once given', async () => {
    const model = writeDynamicReluOnnx(dir);
    const req = { device, modelPath: model.path, inputs: model.inputs, outputs: model.outputs };
    await assert.rejects(runner.run({ ...req, options: QUICK }), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'DYNAMIC_SHAPE_UNRESOLVED');
    const out = await runner.run({ ...req, options: { ...QUICK, inputShapes: { x: [2, 3] } } });
    assert.equal(out.latenciesMs.length, QUICK.timedRuns);
  });
});
