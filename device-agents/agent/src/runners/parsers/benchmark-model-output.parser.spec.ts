// benchmark_model's output on its fixtures (source-laid-out Android stdout with op profiling, real
// logcat lines, a real older unprefixed run) and on broken or unexpected text.
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { runnerOutput } from '../../../../../test/fixtures/runner-outputs.js';
import { benchmarkModelLayers, parseBenchmarkModelOutput, parseBenchmarkModelRuns } from './benchmark-model-output.parser.js';
import { RunnerOutputFormatError } from './runner-output-format.error.js';

describe('benchmark_model output parser', () => {
  it('reads the summary, stat lines, memory and delegation of an Android run', () => {
    const run = parseBenchmarkModelOutput(runnerOutput('benchmark-model.android-xnnpack-op-profiling.txt'));
    assert.deepEqual(run.timings, { initUs: 41307, firstInferenceUs: 9875, warmupAvgUs: 5001.18, inferenceAvgUs: 4183.4 });
    assert.equal(run.initializedMs, 41.307);
    assert.equal(run.modelSizeMb, 16.9008);
    assert.deepEqual(run.warmup, {
      count: 11,
      firstUs: 9875,
      currUs: 4486,
      minUs: 4479,
      maxUs: 9875,
      avgUs: 5001.18,
      stdUs: 1541,
      p5Us: null,
      medianUs: null,
      p95Us: null,
    });
    assert.equal(run.inference!.count, 5);
    assert.equal(run.inference!.avgUs, run.timings.inferenceAvgUs);
    assert.deepEqual(run.memoryDeltaMb, { init: 31.4805, overall: 48.0313 });
    assert.equal(run.peakMemoryMb, 52.2148);
    assert.deepEqual(run.rssMb, { vmRss: 61, anon: 44, fileAndShmem: 17 });
    assert.deepEqual(run.delegations, [{ delegate: 'TfLiteXNNPackDelegate', replacedNodes: 30, totalNodes: 31, partitions: 1 }]);
    assert.deepEqual(run.errors, []);
  });

  it('reads both op-profiling sections with the existing table parser, delegate rows included', () => {
    const run = parseBenchmarkModelOutput(runnerOutput('benchmark-model.android-xnnpack-op-profiling.txt'));
    const init = run.opProfile.initialization!;
    assert.deepEqual(
      init.primary.map((r) => [r.nodeType, r.timesCalled]),
      [
        ['ModifyGraphWithDelegate', 1],
        ['AllocateTensors', 2],
      ],
    );
    assert.deepEqual(init.delegateInternal, []);
    const regular = run.opProfile.regularRuns!;
    assert.deepEqual(
      regular.primary.map((r) => r.nodeType),
      ['TfLiteXNNPackDelegate', 'SOFTMAX'],
    );
    assert.equal(regular.delegateInternal.length, 6);
    assert.equal(regular.delegateInternal[4]!.name, 'Delegate/Global Average Pooling (NWC, F32):4');
  });

  it('gives per-inference layers: delegate ops replace the partition node, mean per call times calls per run', () => {
    const layers = benchmarkModelLayers(parseBenchmarkModelOutput(runnerOutput('benchmark-model.android-xnnpack-op-profiling.txt')));
    assert.deepEqual(layers[0], { name: '[MobilenetV1/Predictions/Reshape_1]:30', opType: 'SOFTMAX', timeMs: 0.013 });
    assert.deepEqual(layers[1], { name: 'Delegate/Convolution (NHWC, F32) IGEMM:0', opType: 'Convolution (NHWC, F32) IGEMM', timeMs: 1.738 });
    assert.equal(layers.length, 7);
  });

  it('strips logcat prefixes and reads the percentiles of newer builds', () => {
    const run = parseBenchmarkModelOutput(runnerOutput('benchmark-model.logcat-percentiles.txt'));
    assert.deepEqual(run.timings, { initUs: 92318, firstInferenceUs: 235158, warmupAvgUs: 211669, inferenceAvgUs: 145528 });
    assert.equal(run.initializedMs, 92.318);
    assert.equal(run.warmup!.count, 3);
    assert.deepEqual([run.inference!.p5Us, run.inference!.medianUs, run.inference!.p95Us], [140545, 141253, 187533]);
    assert.deepEqual(run.memoryDeltaMb, { init: 54.2852, overall: 73.4102 });
    assert.equal(run.peakMemoryMb, null);
    assert.deepEqual(run.opProfile, { initialization: null, regularRuns: null });
    assert.deepEqual(benchmarkModelLayers(run), []);
  });

  it('takes the only stat line of an older unprefixed run as the regular runs', () => {
    const run = parseBenchmarkModelOutput(runnerOutput('benchmark-model.unprefixed-older.txt'));
    assert.equal(run.warmup, null);
    assert.equal(run.inference!.avgUs, 33071.8);
    assert.equal(run.timings.firstInferenceUs, 156677);
  });

  it('reads the legacy "Average inference timings" line, exponent-form numbers and all-same stats', () => {
    const run = parseBenchmarkModelOutput(
      ['count=1 curr=1.23457e+06', 'count=3 curr=81350(all same)', 'Average inference timings in us: Warmup: 83235, Init: 38467, Inference: 79760.9'].join(
        '\n',
      ),
    );
    assert.deepEqual(run.timings, { initUs: 38467, firstInferenceUs: null, warmupAvgUs: 83235, inferenceAvgUs: 79760.9 });
    assert.equal(run.warmup!.avgUs, 1234570);
    assert.deepEqual([run.inference!.minUs, run.inference!.maxUs, run.inference!.stdUs, run.inference!.firstUs], [81350, 81350, 0, null]);
  });

  it('splits several runs: whole invocations back to back, or timings lines grepped from logcat', () => {
    const one = runnerOutput('benchmark-model.android-xnnpack-op-profiling.txt');
    const runs = parseBenchmarkModelRuns(one + one);
    assert.equal(runs.length, 2);
    assert.equal(runs[1]!.opProfile.regularRuns!.delegateInternal.length, 6);
    const grepped = [
      '07-14 13:14:56.521 22838 22838 I tflite  : Inference timings in us: Init: 92318, First inference: 235158, Warmup (avg): 211669, Inference (avg): 145528',
      'I/tflite  (22838): Inference timings in us: Init: 90210, First inference: 230001, Warmup (avg): 210000, Inference (avg): 144000',
    ].join('\n');
    assert.deepEqual(
      parseBenchmarkModelRuns(grepped).map((r) => r.timings.inferenceAvgUs),
      [145528, 144000],
    );
    assert.throws(() => parseBenchmarkModelOutput(grepped), /2 runs where one was expected/);
  });

  it('fails naming the missing summary and quoting the tool errors', () => {
    const failed = ['INFO: Created TensorFlow Lite delegate for GPU.', 'ERROR: Failed to apply GPU delegate.', 'Benchmarking failed.'].join('\n');
    assert.throws(
      () => parseBenchmarkModelOutput(failed),
      (err: unknown) =>
        err instanceof RunnerOutputFormatError &&
        err.tool === 'benchmark_model' &&
        /no "Inference timings in us" line/.test(err.message) &&
        /Failed to apply GPU delegate/.test(err.message),
    );
    assert.throws(() => parseBenchmarkModelOutput(''), RunnerOutputFormatError);
  });

  it('keeps errors of a run that still finished, and rejects non-numbers instead of returning NaN', () => {
    const run = parseBenchmarkModelOutput(
      [
        'ERROR: Failed to read the input_layer_value_file',
        'INFO: Inference timings in us: Init: 1, First inference: 2, Warmup (avg): 3, Inference (avg): 4',
      ].join('\n'),
    );
    assert.deepEqual(run.errors, ['ERROR: Failed to read the input_layer_value_file']);
    assert.throws(
      () => parseBenchmarkModelOutput('Inference timings in us: Init: 1, First inference: nan, Warmup (avg): 3, Inference (avg): 4'),
      /First inference is not a number: "nan"/,
    );
  });

  it('rejects a profile row whose fields do not match its header', () => {
    const text = runnerOutput('benchmark-model.android-xnnpack-op-profiling.txt').replace('\t    0.014\t    0.013\t', '\t    0.014\t');
    assert.throws(() => parseBenchmarkModelOutput(text), /TFLite op profile output: a row has 7 fields where the header has 8/);
  });
});
