// Runner memory caps and permanent engine failures, through real child processes and real engines.
import assert from 'node:assert/strict';
import { beforeAll, describe, it } from '@jest/globals';
import { classifyEngineFailure } from '../runners/engine-errors.js';
import { RunnerError } from '../runners/runner.js';
import { hostAddressSpaceBytes, runIsolated } from './run-isolated.js';
import {
  BLAZEFACE_ONNX_INPUTS,
  BLAZEFACE_ONNX_OUTPUTS,
  BLAZEFACE_TFLITE_INPUTS,
  BLAZEFACE_TFLITE_OUTPUTS,
  ensureSampleModels,
  LOCAL_TRANSPORT,
  QUICK,
  RUNNER_HOST,
  SAMPLE,
} from '../../../../test/fixtures/runner-fixtures.js';

const MIB = 1024 * 1024;

describe('runner memory cap (RLIMIT_AS through prlimit)', () => {
  beforeAll(() => ensureSampleModels());

  it('the local transport applies the cap, and children inherit it', async () => {
    const ws = await LOCAL_TRANSPORT.prepare(LOCAL_TRANSPORT.serial, 'memory-cap');
    try {
      const r = await LOCAL_TRANSPORT.exec(ws, ['sh', '-c', 'ulimit -v; sh -c "ulimit -v"'], { memoryLimitBytes: 512 * MIB });
      assert.equal(r.exitCode, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['524288', '524288']);
    } finally {
      await LOCAL_TRANSPORT.cleanup(ws);
    }
  });

  it('engines still run under the cap, WebAssembly TFLite included', async () => {
    const settings = { memoryLimitMb: 512 };
    const ort = await runIsolated(
      'onnxruntime',
      { modelPath: SAMPLE.blazefaceOnnx, inputs: [...BLAZEFACE_ONNX_INPUTS], outputs: [...BLAZEFACE_ONNX_OUTPUTS], options: QUICK },
      { hostScript: RUNNER_HOST, settings, timeoutMs: 120_000 },
    );
    assert.equal(ort.latenciesMs.length, QUICK.timedRuns);
    const tfl = await runIsolated(
      'tflite',
      { modelPath: SAMPLE.blazefaceTflite, inputs: [...BLAZEFACE_TFLITE_INPUTS], outputs: [...BLAZEFACE_TFLITE_OUTPUTS], options: QUICK },
      { hostScript: RUNNER_HOST, settings, timeoutMs: 120_000 },
    );
    assert.equal(tfl.latenciesMs.length, QUICK.timedRuns);
    assert.ok(hostAddressSpaceBytes('tflite', 512) > hostAddressSpaceBytes('onnxruntime', 512));
  });

  /** BlazeFace under ONNX Runtime with its input declared as `shape`, in a host capped at 512 MiB. */
  const ortWithInput = (shape: number[]) =>
    runIsolated(
      'onnxruntime',
      { modelPath: SAMPLE.blazefaceOnnx, inputs: [{ name: 'input:0', dtype: 'float32', shape }], outputs: [...BLAZEFACE_ONNX_OUTPUTS], options: QUICK },
      { hostScript: RUNNER_HOST, settings: { memoryLimitMb: 512 }, timeoutMs: 120_000 },
    );

  it('a declared 1x3x100000x100000 input fails once, permanently, not three times as transient', async () => {
    await assert.rejects(
      ortWithInput([1, 3, 100000, 100000]),
      (e: unknown) => e instanceof RunnerError && e.permanent && e.code === 'RUNNER_OUT_OF_MEMORY' && /Invalid typed array length/.test(e.message),
    );
  });

  it('an input over the cap but under V8 typed-array limits fails permanently as an allocation failure', async () => {
    // 2 GiB of float32 against a 512 MiB cap: the host's heap and address space refuse it.
    await assert.rejects(
      ortWithInput([1, 8, 8192, 8192]),
      (e: unknown) => e instanceof RunnerError && e.permanent && e.errorClass === 'out_of_memory' && e.code === 'RUNNER_OUT_OF_MEMORY',
    );
  });
});

describe('permanent engine failures', () => {
  it('classifies allocation failures as out of memory for any engine, and an unnamed failure as a retried crash', () => {
    for (const message of [
      'Invalid typed array length: 30000000000',
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      "terminate called after throwing an instance of 'std::bad_alloc'",
    ]) {
      assert.equal(classifyEngineFailure('runner-process', message, { stage: 'run' }).errorClass, 'out_of_memory', message);
    }
    const invalid = classifyEngineFailure('onnxruntime-node', '[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions for input: x', {
      stage: 'run',
    });
    assert.deepEqual([invalid.errorClass, invalid.retryable], ['invalid_input', false]);
    assert.deepEqual(classifyEngineFailure('runner-process', 'connection reset by peer', { stage: 'run' }), { errorClass: 'crash', retryable: true });
    const e = RunnerError.from(new RangeError('Array buffer allocation failed'));
    assert.equal(e.permanent, true);
    assert.equal(e.code, 'RUNNER_OUT_OF_MEMORY');
    const crash = RunnerError.from(new Error('socket hang up'));
    assert.deepEqual([crash.permanent, crash.code, crash.errorClass], [false, 'RUNNER_CRASHED', 'crash']);
  });
});
