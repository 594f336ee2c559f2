// Real TFLite (XNNPACK, WebAssembly) on the real BlazeFace .tflite; few runs.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { RunnerOutputSchema } from '@farm/contracts';
import { median, RunnerError, type DeviceTarget } from './runner.js';
import {
  BLAZEFACE_TFLITE_INPUTS,
  BLAZEFACE_TFLITE_OUTPUTS,
  ensureSampleModels,
  plausibleLayerSum,
  QUICK,
  SAMPLE,
  tempDir,
  writeGarbage,
  LOCAL_TRANSPORT,
  localDevice,
} from '../../../../test/fixtures/runner-fixtures.js';
import { TfliteRunner } from './tflite.runner.js';

describe('TfliteRunner (tfjs-tflite wasm, XNNPACK)', () => {
  const runner = new TfliteRunner();
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

  it('probes', async () => {
    const a = await runner.probe();
    assert.equal(a?.framework, 'tflite');
    assert.match(a!.version, /^tfjs-tflite@/);
  });

  it('benchmarks BlazeFace: latencies, XNNPACK per-op times, a stable digest', async () => {
    const req = {
      device,
      modelPath: SAMPLE.blazefaceTflite,
      inputs: BLAZEFACE_TFLITE_INPUTS,
      outputs: BLAZEFACE_TFLITE_OUTPUTS,
      options: { ...QUICK, threads: 2 },
    };
    const a = await runner.run(req);
    const b = await runner.run(req);
    RunnerOutputSchema.parse(a);
    assert.equal(a.latenciesMs.length, QUICK.timedRuns);
    assert.equal(a.threads, 1);
    assert.ok(a.notes.some((n) => n.includes('single-threaded')));
    assert.ok(a.layers.length > 50, `expected XNNPACK's per-operator rows, got ${a.layers.length}`);
    assert.ok(
      a.layers.every((l) => !/Delegate$/.test(l.opType)),
      'the delegate partition node must not be counted next to its own ops',
    );
    assert.ok(a.layers.some((l) => l.opType.startsWith('Convolution')));
    const sum = a.layers.reduce((s, l) => s + l.timeMs, 0);
    assert.ok(plausibleLayerSum(sum, median(a.latenciesMs)), `layer sum ${sum} ms vs median ${median(a.latenciesMs)} ms`);
    assert.equal(a.outputDigest, b.outputDigest);
  });

  it('rejects a garbage model permanently, with TFLite’s own message', async () => {
    const bad = writeGarbage(dir, 'garbage.tflite');
    await assert.rejects(
      runner.run({ device, modelPath: bad, inputs: BLAZEFACE_TFLITE_INPUTS, outputs: [], options: QUICK }),
      (e: unknown) => e instanceof RunnerError && e.permanent && e.code === 'RUNNER_MODEL_REJECTED' && /Can't initialize model/.test(e.message),
    );
  });

  it('reports an unresolved dynamic batch dim before touching the engine', async () => {
    await assert.rejects(
      runner.run({
        device,
        modelPath: SAMPLE.blazefaceTflite,
        inputs: [{ name: 'input', dtype: 'float32', shape: [-1, 128, 128, 3] }],
        outputs: [],
        options: QUICK,
      }),
      (e: unknown) => e instanceof Error && 'code' in e && e.code === 'DYNAMIC_SHAPE_UNRESOLVED',
    );
  });
});
