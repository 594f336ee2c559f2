// The on-device tool runners (benchmark_model, onnxruntime_perf_test) at the boundary that exists
// here: the argument vectors they build from job options, and what they make of the tools' output.
// No Android build of either tool is available on this machine, so the "device" below is a
// transport that records each argv and answers with the parser fixtures, which follow the tools'
// source (test/fixtures/runner-outputs/README.md); nothing here ran a real tool.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { afterEach, beforeEach, describe, it, jest } from '@jest/globals';
import { BenchmarkOptionsSchema, BenchmarkRequestSchema, RunnerOutputSchema, type BenchmarkOptionsInput, type TensorSpec } from '@farm/contracts';
import { runnerOutput } from '../../../../test/fixtures/runner-outputs.js';
import type { ExecResult, Transport, Workspace } from '../transports/transport.js';
import { freeDimsFor, OnnxruntimePerfTestRunner, perfTestArgv } from './onnxruntime-perf-test.runner.js';
import { parsePerfTestResultFile } from './parsers/onnxruntime-perf-test-output.parser.js';
import { RunnerOutputFormatError } from './parsers/runner-output-format.error.js';
import { phoneRunners, probeFrameworks } from './registry.js';
import { RunnerError, type DeviceTarget } from './runner.js';
import { benchmarkModelArgv, TfliteBenchmarkModelRunner } from './tflite-benchmark-model.runner.js';

const FIXTURES = join(import.meta.dirname, '../../../../test/fixtures/runner-outputs');
const HOSTILE = `in put;rm -rf /;$(reboot)\`id\`|x&y>z'"`;
const SHA = 'ab'.repeat(32);
const ok = (stdout: string): ExecResult => ({ exitCode: 0, signal: null, stdout, stderr: '', timedOut: false, aborted: false });

/** Records every exec and answers from `reply`; pulls copy fixture files; pushes land in a fake cache. */
function fixtureDevice(reply: (argv: readonly string[]) => ExecResult, pulls: Record<string, string> = {}) {
  const execs: string[][] = [];
  const workspace: Workspace = { serial: 'emulator-5554', dir: '/data/local/tmp/farm/jobs/t' };
  const transport = {
    kind: 'adb',
    push: async (_ws: Workspace, local: string) => ({ remotePath: `/data/local/tmp/farm/cache/${SHA}${extname(local)}`, pushed: true }),
    exec: async (_ws: Workspace, argv: readonly string[]) => {
      execs.push([...argv]);
      return reply(argv);
    },
    pull: async (_ws: Workspace, remote: string, local: string) => {
      if (!pulls[remote]) throw new Error(`no such file ${remote}`);
      copyFileSync(join(FIXTURES, pulls[remote]), local);
    },
  } as unknown as Transport;
  const device: DeviceTarget = { transport, workspace };
  return { device, execs };
}

const options = (o: BenchmarkOptionsInput = {}) => BenchmarkOptionsSchema.parse(o);
const TFLITE_INPUTS: TensorSpec[] = [{ name: HOSTILE, dtype: 'float32', shape: [1, null, null, 3] }];

describe('benchmark_model argv', () => {
  const inv = { tool: '/t/bm', graph: '/t/m.tflite', threads: 4, warmupRuns: 5, runs: 1, opProfiling: false, peakMemory: false };

  it('is built from the options only, with the min_secs defaults switched off', () => {
    assert.deepEqual(benchmarkModelArgv(inv), [
      '/t/bm',
      '--graph=/t/m.tflite',
      '--num_threads=4',
      '--warmup_runs=5',
      '--warmup_min_secs=0',
      '--num_runs=1',
      '--min_secs=0',
    ]);
    const full = benchmarkModelArgv({ ...inv, runs: 10, opProfiling: true, peakMemory: true, delegate: 'gpu' });
    assert.deepEqual(full.slice(6), ['--min_secs=0', '--use_gpu=true', '--enable_op_profiling=true', '--report_peak_memory_footprint=true']);
  });

  it('maps each delegate to its provider flag', () => {
    const flag = (delegate: 'cpu' | 'xnnpack' | 'gpu' | 'nnapi') => benchmarkModelArgv({ ...inv, delegate }).at(-1);
    assert.deepEqual(
      ['cpu', 'xnnpack', 'gpu', 'nnapi'].map((d) => flag(d as 'cpu')),
      ['--use_xnnpack=false', '--use_xnnpack=true', '--use_gpu=true', '--use_nnapi=true'],
    );
  });

  it('keeps an input name with shell metacharacters inside one argv element', () => {
    const argv = benchmarkModelArgv({ ...inv, inputShapes: [{ name: HOSTILE, shape: [1, 96, 96, 3] }] });
    assert.equal(argv.length, 9);
    assert.equal(argv[7], `--input_layer=${HOSTILE}`);
    assert.equal(argv[8], '--input_layer_shape=1,96,96,3');
  });

  it('refuses names that would split benchmark_model\u2019s own lists', () => {
    assert.throws(() => benchmarkModelArgv({ ...inv, inputShapes: [{ name: 'a,b', shape: [1] }] }), /cannot be given to benchmark_model/);
    assert.throws(() => benchmarkModelArgv({ ...inv, inputShapes: [{ name: 'input:0', shape: [1] }] }), /cannot be given to benchmark_model/);
  });
});

describe('onnxruntime_perf_test argv', () => {
  const inv = { tool: '/t/pt', model: '/t/m.onnx', threads: 2, runs: 50, seed: 42 };

  it('is built from the options only; the model and result file are the positional arguments', () => {
    assert.deepEqual(perfTestArgv({ ...inv, resultFile: 'perf-runs.csv' }), [
      '/t/pt',
      '-e',
      'cpu',
      '-m',
      'times',
      '-r',
      '50',
      '-x',
      '2',
      '-I',
      '-S',
      '42',
      '/t/m.onnx',
      'perf-runs.csv',
    ]);
    assert.deepEqual(perfTestArgv({ ...inv, delegate: 'nnapi', profilePrefix: 'ort-profile' }).slice(1, 3), ['-e', 'nnapi']);
    assert.deepEqual(perfTestArgv({ ...inv, profilePrefix: 'ort-profile' }).slice(-3), ['-p', 'ort-profile', '/t/m.onnx']);
  });

  it('passes free dims by name, a hostile name as one argv element, and refuses a ":" in it', () => {
    const argv = perfTestArgv({ ...inv, freeDims: { [HOSTILE]: 7 } });
    assert.deepEqual(argv.slice(12, 14), ['-f', `${HOSTILE}:7`]);
    assert.throws(() => perfTestArgv({ ...inv, freeDims: { 'a:b': 1 } }), /splits on ":"/);
  });

  it('turns inputShapes into named free-dim overrides and refuses an unnamed dim other than 1', () => {
    const inputs: TensorSpec[] = [{ name: 'x', dtype: 'float32', shape: ['batch', 3, 'h', 'h'] }];
    assert.deepEqual(freeDimsFor(inputs, options({ inputShapes: { x: [2, 3, 64, 64] } })), { batch: 2, h: 64 });
    assert.equal(freeDimsFor(inputs, options()), undefined);
    const unnamed: TensorSpec[] = [{ name: 'x', dtype: 'float32', shape: [null, 3] }];
    assert.throws(() => freeDimsFor(unnamed, options({ inputShapes: { x: [4, 3] } })), /dynamic without a name/);
  });

  it('reads the per-run rows of the result file in run order, in ms', () => {
    const runs = parsePerfTestResultFile(runnerOutput('onnxruntime-perf-test.result-file.csv'));
    assert.equal(runs.length, 6);
    assert.ok(Math.abs(runs[0]! - 22.4691) < 1e-9 && Math.abs(runs[5]! - 23.0011) < 1e-9);
    assert.throws(() => parsePerfTestResultFile('m,0.1,1,1,0\nm,0.1,1,1,0\n'), /run index 0/);
    assert.throws(() => parsePerfTestResultFile('Min Latency: 0.1 s\n'), RunnerOutputFormatError);
  });
});

describe('TfliteBenchmarkModelRunner on fixture output', () => {
  it('takes one sample per invocation and layers, memory and delegation from a separate profiled invocation', async () => {
    const { device, execs } = fixtureDevice((argv) =>
      ok(
        runnerOutput(
          argv.includes('--report_peak_memory_footprint=true') ? 'benchmark-model.android-xnnpack-op-profiling.txt' : 'benchmark-model.single-timed-run.txt',
        ),
      ),
    );
    const out = await new TfliteBenchmarkModelRunner('/host/benchmark_model').run({
      device,
      modelPath: '/host/model.tflite',
      inputs: TFLITE_INPUTS,
      outputs: [],
      options: options({ threads: 4, timedRuns: 3, profileRuns: 5, delegate: 'xnnpack', inputShapes: { [HOSTILE]: [1, 96, 96, 3] } }),
    });
    RunnerOutputSchema.parse(out);
    assert.equal(execs.length, 4);
    const tool = `/data/local/tmp/farm/cache/${SHA}`;
    for (const argv of execs) {
      assert.equal(argv[0], tool);
      assert.ok(argv.includes(`--input_layer=${HOSTILE}`));
    }
    assert.ok(execs.slice(0, 3).every((a) => a.includes('--num_runs=1') && !a.includes('--enable_op_profiling=true')));
    assert.ok(execs[3]!.includes('--num_runs=5') && execs[3]!.includes('--enable_op_profiling=true'));
    assert.deepEqual(out.latenciesMs, [4.188, 4.188, 4.188]);
    assert.equal(out.loadMs, 38.92);
    assert.equal(out.firstInferenceMs, 9.63);
    assert.equal(out.peakMemoryBytes, Math.round(52.2148 * 1024 * 1024));
    assert.equal(out.layers.length, 7);
    assert.equal(out.profiledRuns, 5);
    assert.equal(out.frameworkVersion, `benchmark_model ${SHA.slice(0, 12)}`);
    assert.ok(out.notes.some((n) => n.startsWith('latenciesMs: 3 separate benchmark_model invocations')));
    assert.ok(out.notes.includes('TfLiteXNNPackDelegate took 30 of 31 nodes in 1 partition(s)'));
  });

  it('keeps the tool\u2019s ERROR lines as a permanent refusal, and a crash as a transient failure', async () => {
    const refused = fixtureDevice(() => ({
      ...ok('INFO: Created TensorFlow Lite delegate for GPU.\nERROR: Failed to apply GPU delegate.\nERROR: Benchmarking failed.\n'),
      exitCode: 1,
    }));
    const req = { device: refused.device, modelPath: '/m.tflite', inputs: [], outputs: [], options: options({ delegate: 'gpu' }) };
    await assert.rejects(
      new TfliteBenchmarkModelRunner('/bm').run(req),
      (e: RunnerError) => e.code === 'RUNNER_MODEL_REJECTED' && e.permanent && /Failed to apply GPU delegate/.test(e.message),
    );
    const crashed = fixtureDevice(() => ({ ...ok(''), exitCode: null, signal: 'SIGSEGV' }));
    await assert.rejects(
      new TfliteBenchmarkModelRunner('/bm').run({ ...req, device: crashed.device }),
      (e: RunnerError) => e.code === 'RUNNER_CRASHED' && !e.permanent,
    );
  });
});

describe('OnnxruntimePerfTestRunner on fixture output', () => {
  it('takes latencies from the pulled result file and layers from a separate -p invocation', async () => {
    const { device, execs } = fixtureDevice(
      (argv) => {
        if (argv[0] === 'ls') return ok('perf-runs.csv\nort-profile_2026-01-02_03-04-05.json\n');
        return ok(runnerOutput('onnxruntime-perf-test.r10-older.txt'));
      },
      { 'perf-runs.csv': 'onnxruntime-perf-test.result-file.csv', 'ort-profile_2026-01-02_03-04-05.json': 'onnxruntime-profile.relu-quickgelu.json' },
    );
    const out = await new OnnxruntimePerfTestRunner('/host/onnxruntime_perf_test').run({
      device,
      modelPath: '/host/model.onnx',
      inputs: [],
      outputs: [],
      options: options({ threads: 1, warmupRuns: 3, timedRuns: 4, profileRuns: 3 }),
    });
    RunnerOutputSchema.parse(out);
    // Two extra timed runs stand in for warm-ups 2 and 3 and are dropped.
    assert.deepEqual(execs[0]!.slice(5, 7), ['-r', '6']);
    assert.equal(out.latenciesMs.length, 4);
    assert.ok(Math.abs(out.latenciesMs[0]! - 24.9304) < 1e-9);
    assert.ok(execs[1]!.includes('-p') && !execs[1]!.includes('perf-runs.csv'));
    assert.deepEqual(execs[2], ['ls', '-1']);
    assert.ok(Math.abs(out.loadMs - 84.2117) < 1e-9);
    assert.equal(out.firstInferenceMs, 41);
    assert.equal(out.peakMemoryBytes, 58212352);
    assert.equal(out.profiledRuns, 3);
    assert.ok(out.layers.length > 0);
  });

  it('refuses the gpu delegate before touching the device', async () => {
    const { device, execs } = fixtureDevice(() => ok(''));
    await assert.rejects(
      new OnnxruntimePerfTestRunner('/pt').run({ device, modelPath: '/m.onnx', inputs: [], outputs: [], options: options({ delegate: 'gpu' }) }),
      (e: RunnerError) => e.code === 'VALIDATION_FAILED' && e.permanent,
    );
    assert.equal(execs.length, 0);
  });
});

describe('phoneRunners', () => {
  let warn: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('offers the tools only when configured, and probing then leaves them out without a word', async () => {
    assert.deepEqual(
      phoneRunners({}).map((r) => r.framework),
      ['native-int8'],
    );
    assert.deepEqual(
      phoneRunners({ androidTfliteBenchmarkModel: '/bm', androidOrtPerfTest: '/pt', androidNcnnRunnerBinary: '/nr' }).map((r) => r.framework),
      ['native-int8', 'ncnn', 'tflite', 'onnxruntime'],
    );
    const { device } = fixtureDevice(() => ok('{"runner":"int8-runner","version":"0.1.0"}'));
    const frameworks = await probeFrameworks(phoneRunners({}), device);
    assert.deepEqual(
      frameworks.map((f) => f.framework),
      ['native-int8'],
    );
    assert.ok(!warn.mock.calls.some((c: unknown[]) => /tflite|onnxruntime/.test(String(c[0]))));
  });

  it('probes a configured tool by its usage text and names the build by its sha256', async () => {
    const { device } = fixtureDevice((argv) => ({
      ...ok('usage: --num_runs=50 int32 optional expected number of runs'),
      exitCode: argv[1] === '--help' ? 1 : 0,
    }));
    assert.deepEqual(await new TfliteBenchmarkModelRunner('/bm').probe(device), { framework: 'tflite', version: `benchmark_model ${SHA.slice(0, 12)}` });
    const { device: wrong } = fixtureDevice(() => ({ ...ok('/system/bin/sh: /data/local/tmp/farm/cache/x: not executable: 64-bit ELF file'), exitCode: 126 }));
    assert.equal(await new OnnxruntimePerfTestRunner('/pt').probe(wrong), null);
  });
});

describe('delegate option', () => {
  it('defaults to unset, so existing requests are unchanged', () => {
    assert.equal(options().delegate, undefined);
  });

  it('is refused for explicit frameworks that cannot take it', () => {
    const req = { modelId: '00000000-0000-4000-8000-000000000000', targets: { platform: 'android' } };
    assert.ok(BenchmarkRequestSchema.safeParse({ ...req, frameworks: ['tflite'], options: { delegate: 'gpu' } }).success);
    const gpuOrt = BenchmarkRequestSchema.safeParse({ ...req, frameworks: ['onnxruntime'], options: { delegate: 'gpu' } });
    assert.ok(!gpuOrt.success && gpuOrt.error.issues.some((i) => /onnxruntime has no "gpu" delegate/.test(i.message)), JSON.stringify(gpuOrt));
    const int8 = BenchmarkRequestSchema.safeParse({ ...req, frameworks: ['native-int8'], options: [{}, { delegate: 'nnapi' }] });
    assert.ok(
      !int8.success && int8.error.issues.some((i) => /applies to tflite and onnxruntime only/.test(i.message) && i.path.join('.') === 'options.1.delegate'),
    );
  });
});
