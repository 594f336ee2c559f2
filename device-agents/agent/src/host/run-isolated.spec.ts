// End to end through a real child process: runner-host.js with the real engines.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { RunnerOutputSchema } from '@farm/contracts';
import { DEFAULT_INT8_RUNNER_BINARY } from '../runners/native-int8.runner.js';
import { DEFAULT_NCNN_RUNNER_BINARY } from '../runners/ncnn.runner.js';
import { desktopRunners, probeFrameworks } from '../runners/registry.js';
import { runIsolated } from './run-isolated.js';
import { RunnerError } from '../runners/runner.js';
import { LocalTransport } from '../transports/local.transport.js';
import {
  BLAZEFACE_ONNX_INPUTS,
  BLAZEFACE_ONNX_OUTPUTS,
  BLAZEFACE_TFLITE_INPUTS,
  BLAZEFACE_TFLITE_OUTPUTS,
  ensureOpencvRunner,
  ensureSampleModels,
  LOCAL_TRANSPORT,
  localDevice,
  QUICK,
  RUNNER_HOST,
  SAMPLE,
  tempDir,
  writeGarbage,
} from '../../../../test/fixtures/runner-fixtures.js';

describe('runIsolated (runner-host child process)', () => {
  let dir: string;
  beforeAll(() => {
    ensureSampleModels();
    ensureOpencvRunner();
    dir = tempDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('probes every desktop framework (native-int8 and ncnn when their binaries are built)', async () => {
    const device = await localDevice();
    const found = await probeFrameworks(desktopRunners(), device);
    await LOCAL_TRANSPORT.cleanup(device.workspace);
    const expected = [
      'onnxruntime',
      'opencv-dnn',
      'tflite',
      ...(existsSync(DEFAULT_INT8_RUNNER_BINARY) ? ['native-int8'] : []),
      ...(existsSync(DEFAULT_NCNN_RUNNER_BINARY) ? ['ncnn'] : []),
    ].sort();
    assert.deepEqual(found.map((f) => f.framework).sort(), expected);
  });

  it('runs each framework in a child and reports progress and the job’s own peak RSS', async () => {
    const cells = [
      { framework: 'onnxruntime', modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: BLAZEFACE_ONNX_OUTPUTS },
      { framework: 'opencv-dnn', modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: BLAZEFACE_ONNX_OUTPUTS },
      { framework: 'tflite', modelPath: SAMPLE.blazefaceTflite, inputs: BLAZEFACE_TFLITE_INPUTS, outputs: BLAZEFACE_TFLITE_OUTPUTS },
    ] as const;
    for (const { framework, ...req } of cells) {
      const progress: string[] = [];
      const out = await runIsolated(
        framework,
        { ...req, inputs: [...req.inputs], outputs: [...req.outputs], options: QUICK },
        {
          onProgress: (phase, done, total) => progress.push(`${phase} ${done}/${total}`),
          timeoutMs: 120_000,
          hostScript: RUNNER_HOST,
        },
      );
      RunnerOutputSchema.parse(out);
      assert.equal(out.framework, framework);
      assert.equal(out.latenciesMs.length, QUICK.timedRuns);
      assert.ok(out.layers.length > 0);
      assert.ok(out.peakMemoryBytes! > 1024 * 1024, `${framework}: peak RSS ${out.peakMemoryBytes}`);
      assert.ok(progress.includes(`timed ${QUICK.timedRuns}/${QUICK.timedRuns}`), `${framework}: ${progress.join(', ')}`);
    }
  });

  it('carries a permanent model rejection across the process boundary', async () => {
    const bad = writeGarbage(dir, 'garbage.onnx');
    await assert.rejects(
      runIsolated('onnxruntime', { modelPath: bad, inputs: BLAZEFACE_ONNX_INPUTS, outputs: [], options: QUICK }, { hostScript: RUNNER_HOST }),
      (e: unknown) => e instanceof RunnerError && e.permanent && e.code === 'RUNNER_MODEL_REJECTED' && /protobuf parsing failed/i.test(e.message),
    );
  });

  it('turns a crashed runner process into a transient failure', async () => {
    const crasher = join(dir, 'crashing-host.mjs');
    writeFileSync(crasher, "process.stderr.write('engine exploded\\n'); process.kill(process.pid, 'SIGSEGV');\n");
    await assert.rejects(
      runIsolated('onnxruntime', { modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: [], options: QUICK }, { hostScript: crasher }),
      (e: unknown) => e instanceof RunnerError && !e.permanent && e.code === 'RUNNER_CRASHED' && /SIGSEGV/.test(e.message) && /engine exploded/.test(e.message),
    );
  });

  it('pins the host and the engines it starts to the given CPUs, and still measures', async () => {
    // The host reports what the kernel says its allowed CPUs are, and so does a process it starts.
    const reporter = join(dir, 'affinity-host.mjs');
    writeFileSync(
      reporter,
      [
        "import { execFileSync } from 'node:child_process';",
        "const own = /Cpus_allowed_list:\\s*(\\S+)/.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'))[1];",
        "const child = execFileSync('sh', ['-c', 'grep Cpus_allowed_list /proc/self/status'], { encoding: 'utf8' }).split(/\\s+/)[1];",
        'process.stderr.write(`own=${own} child=${child}\\n`); process.exit(3);',
      ].join('\n'),
    );
    const req = { modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: [], options: QUICK };
    await assert.rejects(
      runIsolated('onnxruntime', req, { hostScript: reporter, settings: { cpus: '0' } }),
      (e: unknown) => e instanceof RunnerError && /own=0 child=0\b/.test(e.message),
    );
    // Unpinned, the host inherits the agent's own CPUs (this test process's).
    const all = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
    await assert.rejects(
      runIsolated('onnxruntime', req, { hostScript: reporter }),
      (e: unknown) => e instanceof RunnerError && e.message.includes(`own=${all} child=${all}`),
    );
    const out = await runIsolated('onnxruntime', req, { settings: { cpus: '0' }, timeoutMs: 120_000, hostScript: RUNNER_HOST });
    assert.equal(out.latenciesMs.length, QUICK.timedRuns);
  });

  it('kills the child on timeout and on cancel, both transient, and leaves no workspace behind', async () => {
    const req = { modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: [], options: { ...QUICK, timedRuns: 10_000 } };
    const transport = new LocalTransport({ root: join(dir, 'device') });
    await assert.rejects(
      runIsolated('onnxruntime', req, { timeoutMs: 1500, hostScript: RUNNER_HOST, transport }),
      (e: unknown) => e instanceof RunnerError && !e.permanent && e.code === 'RUNNER_TIMEOUT' && /timed out/.test(e.message),
    );
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 1500);
    await assert.rejects(
      runIsolated('onnxruntime', req, { signal: ac.signal, hostScript: RUNNER_HOST, transport }),
      (e: unknown) => e instanceof RunnerError && !e.permanent && /cancelled/.test(e.message),
    );
    assert.equal(readdirSync(join(dir, 'device/jobs')).length, 0);
  });
});
