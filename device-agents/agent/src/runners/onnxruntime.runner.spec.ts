// Real ONNX Runtime on the real BlazeFace model; few runs, so the numbers are checked for shape
// and consistency, never for speed.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { RunnerOutputSchema, type TensorSpec } from '@farm/contracts';
import { sampleRateBranchOnnx } from '../../../../test/fixtures/onnx-fixtures.js';
import { OnnxruntimeRunner } from './onnxruntime.runner.js';
import { median, RunnerError, type DeviceTarget } from './runner.js';
import {
  assertLayerSamples,
  BLAZEFACE_ONNX_INPUTS,
  BLAZEFACE_ONNX_OUTPUTS,
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

describe('OnnxruntimeRunner (onnxruntime-node, CPU)', () => {
  const runner = new OnnxruntimeRunner();
  let dir: string;
  let device: DeviceTarget;
  beforeAll(async () => {
    device = await localDevice();
    ensureSampleModels();
    dir = tempDir();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await LOCAL_TRANSPORT.cleanup(device.workspace);
  });

  it('probes its version from the package', async () => {
    const a = await runner.probe();
    assert.equal(a?.framework, 'onnxruntime');
    assert.match(a!.version, /^\d+\.\d+\.\d+/);
  });

  it('benchmarks BlazeFace: latencies, per-node times, a stable digest', async () => {
    const phases = new Set<string>();
    const req = { device, modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: BLAZEFACE_ONNX_OUTPUTS, options: QUICK };
    const a = await runner.run({ ...req, onProgress: (phase) => phases.add(phase) });
    const b = await runner.run(req);
    RunnerOutputSchema.parse(a);
    assert.equal(a.latenciesMs.length, QUICK.timedRuns);
    assert.equal(a.profiledRuns, QUICK.profileRuns);
    assert.ok(a.layers.length > 50, `expected one entry per kernel, got ${a.layers.length}`);
    assert.ok(a.layers.some((l) => l.opType === 'Conv'));
    assertLayerSamples(a.layers, a.profiledRuns);
    const sum = a.layers.reduce((s, l) => s + l.timeMs, 0);
    assert.ok(plausibleLayerSum(sum, median(a.latenciesMs)), `layer sum ${sum} ms vs median ${median(a.latenciesMs)} ms`);
    assert.equal(a.outputDigest, b.outputDigest);
    assert.match(a.outputDigest, /^[0-9a-f]{64}$/);
    assert.deepEqual([...phases].sort(), ['load', 'profile', 'timed', 'warmup']);
  });

  it('rejects a garbage model permanently, with ONNX Runtime’s own message', async () => {
    const bad = writeGarbage(dir, 'garbage.onnx');
    await assert.rejects(
      runner.run({ device, modelPath: bad, inputs: BLAZEFACE_ONNX_INPUTS, outputs: [], options: QUICK }),
      (e: unknown) => e instanceof RunnerError && e.permanent && e.code === 'RUNNER_MODEL_REJECTED' && /protobuf parsing failed/i.test(e.message),
    );
  });

  it('needs options.inputShapes for a dynamic dim, and runs once given', async () => {
    const model = writeDynamicReluOnnx(dir);
    const req = { device, modelPath: model.path, inputs: model.inputs, outputs: model.outputs };
    await assert.rejects(
      runner.run({ ...req, options: QUICK }),
      (e: unknown) => e instanceof Error && 'code' in e && e.code === 'DYNAMIC_SHAPE_UNRESOLVED' && e.message.includes('"x"'),
    );
    const out = await runner.run({ ...req, options: { ...QUICK, inputShapes: { x: [2, 3] } } });
    assert.equal(out.latenciesMs.length, QUICK.timedRuns);
    assert.deepEqual(
      out.layers.map((l) => l.opType),
      ['Relu'],
    );
  });

  it('a graph branching on a synthetic int64 scalar fails as invalid input with a hint naming it, and runs with a constant', async () => {
    const modelPath = join(dir, 'sample-rate-branch.onnx');
    writeFileSync(modelPath, sampleRateBranchOnnx());
    const inputs: TensorSpec[] = [
      { name: 'x', dtype: 'float32', shape: [1, 16] },
      { name: 'sr', dtype: 'int64', shape: [] },
    ];
    const req = { device, modelPath, inputs, outputs: [{ name: 'y', dtype: 'float32' as const, shape: [1, 16] }] };
    await assert.rejects(runner.run({ ...req, options: QUICK }), (e: unknown) => {
      assert.ok(e instanceof RunnerError);
      assert.equal(e.code, 'RUNNER_INVALID_INPUT');
      assert.equal(e.errorClass, 'invalid_input');
      assert.equal(e.permanent, true, 'not retried');
      assert.match(e.message, /If node/, 'the engine’s own message is kept');
      assert.match(e.hint ?? '', /input `sr` \(int64 scalar\) needs a value/);
      assert.match(e.hint ?? '', /options\.inputs\.sr/);
      return true;
    });
    const out = await runner.run({ ...req, options: { ...QUICK, inputs: { sr: { kind: 'constant', value: 16000 } } } });
    assert.equal(out.latenciesMs.length, QUICK.timedRuns);
    assert.ok(out.layers.some((l) => l.opType === 'If'));
  });
});
