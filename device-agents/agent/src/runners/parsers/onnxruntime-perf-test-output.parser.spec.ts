// onnxruntime_perf_test's summary on a real Android run (newer wording) and a source-laid-out older
// one; its -p profile on a real profile written by ORT's own profiler (onnxruntime-node 1.30).
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { runnerOutput } from '../../../../../test/fixtures/runner-outputs.js';
import { parsePerfTestOutput, parsePerfTestProfile } from './onnxruntime-perf-test-output.parser.js';
import { RunnerOutputFormatError } from './runner-output-format.error.js';

describe('onnxruntime_perf_test output parser', () => {
  it('reads the newer "cost total" summary, memory, CPU and the latency statistics in ms', () => {
    const s = parsePerfTestOutput(runnerOutput('onnxruntime-perf-test.arm-kleidiai.txt'));
    assert.equal(s.averageMs, 98.961997);
    assert.equal(s.requests, 5);
    assert.equal(s.sessionCreationS, 0.217932);
    assert.equal(s.firstInferenceMs, 196);
    assert.equal(s.totalInferenceTimeS, 0.49481);
    assert.equal(s.totalRunTimeS, 0.494854);
    assert.equal(s.inferencesPerSecond, 10.104);
    assert.equal(s.avgCpuUsagePercent, 11);
    assert.equal(s.peakWorkingSetBytes, 271122432);
    assert.ok(Math.abs(s.latenciesMs!.min - 95.8204) < 1e-9);
    assert.ok(Math.abs(s.latenciesMs!.p50 - 99.5086) < 1e-9);
    assert.ok(Math.abs(s.latenciesMs!.p999 - 101.519) < 1e-9);
  });

  it('reads the older "Average inference time cost" wording', () => {
    const s = parsePerfTestOutput(runnerOutput('onnxruntime-perf-test.r10-older.txt'));
    assert.equal(s.averageMs, 22.6314);
    assert.equal(s.requests, 10);
    assert.equal(s.inferencesPerSecond, 44.1419);
    assert.ok(s.latenciesMs!.min <= s.latenciesMs!.p50 && s.latenciesMs!.p50 <= s.latenciesMs!.max);
  });

  it('leaves optional lines null: no statistics with a result file, no CPU or memory on some builds', () => {
    const s = parsePerfTestOutput('Total inference requests: 3\nAverage inference time cost: 1.5 ms\n');
    assert.deepEqual(
      [s.averageMs, s.requests, s.latenciesMs, s.peakWorkingSetBytes, s.avgCpuUsagePercent, s.firstInferenceMs],
      [1.5, 3, null, null, null, null],
    );
  });

  it('fails naming what is missing, with the tool last words', () => {
    assert.throws(
      () => parsePerfTestOutput('Session creation time cost: 0.2 s\nthere is no test data for model resnet50\n'),
      (err: unknown) =>
        err instanceof RunnerOutputFormatError && /no "Average inference time cost" line/.test(err.message) && /there is no test data/.test(err.message),
    );
    assert.throws(() => parsePerfTestOutput('Average inference time cost total: 2 ms'), /no "Total inference requests" line/);
    const partial = runnerOutput('onnxruntime-perf-test.arm-kleidiai.txt').replace(/^P9[05] Latency.*$/gm, '');
    assert.throws(() => parsePerfTestOutput(partial), /latency statistics without "P90 Latency", "P95 Latency"/);
    assert.throws(
      () => parsePerfTestOutput('Total inference requests: 3\nAverage inference time cost: -nan ms'),
      /Average inference time cost is not a number/,
    );
  });

  it('reads the -p profile with the per-node reader, leaving out the warm-up run', () => {
    const { layers, runs } = parsePerfTestProfile(runnerOutput('onnxruntime-profile.relu-quickgelu.json'));
    assert.equal(runs, 3);
    // ORT fused Sigmoid and Mul into QuickGelu; the profile names the fused node.
    assert.deepEqual(
      layers.map((l) => [l.name, l.opType]),
      [
        ['relu_0', 'Relu'],
        ['mul_0/QuickGeluFusion/', 'QuickGelu'],
      ],
    );
    assert.ok(layers.every((l) => l.timeMs > 0));
    assert.throws(() => parsePerfTestProfile('[{"cat" : "Node"'), /onnxruntime_perf_test profile output: not JSON/);
    assert.throws(() => parsePerfTestProfile('[]'), /no model_run events/);
  });
});
