// benchncnn's output (a real README run with Vulkan device lines; a source-laid-out NCNN_BENCHMARK
// run with per-layer lines) and NCNN_BENCHMARK's per-layer lines on their own (real Vulkan lines).
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { runnerOutput } from '../../../../../test/fixtures/runner-outputs.js';
import { parseBenchncnnOutput } from './benchncnn-output.parser.js';
import { assertLayerSamples } from '../../../../../test/fixtures/runner-fixtures.js';
import { ncnnLayerPasses, ncnnLayerTimings, parseNcnnLayerLines } from './ncnn-layer-timings.parser.js';
import { RunnerOutputFormatError } from './runner-output-format.error.js';

describe('benchncnn output parser', () => {
  it('reads the settings header, Vulkan device lines and one result per model', () => {
    const out = parseBenchncnnOutput(runnerOutput('benchncnn.oneplus7t-readme.txt'));
    assert.deepEqual(out.settings, { loopCount: 8, numThreads: 4, powersave: 2, gpuDevice: -1, coolingDown: true });
    assert.equal(out.gpuInfo.length, 3);
    assert.deepEqual(out.results, [
      { model: 'squeezenet', minMs: 8.84, maxMs: 8.89, avgMs: 8.87, layers: null },
      { model: 'squeezenet_int8', minMs: 11.86, maxMs: 11.98, avgMs: 11.89, layers: null },
    ]);
  });

  it('attaches NCNN_BENCHMARK per-layer medians over the timed passes to the model', () => {
    const out = parseBenchncnnOutput(runnerOutput('benchncnn.ncnn-benchmark-layers.txt'));
    assert.deepEqual(out.settings, { loopCount: 4, numThreads: 4, powersave: 2, gpuDevice: -1, coolingDown: false });
    assert.equal(out.results.length, 1);
    const r = out.results[0]!;
    assert.equal(r.model, 'squeezenet_tiny.param');
    assert.equal(r.layers!.passes, 4);
    assert.deepEqual(
      r.layers!.layers.map((l) => l.opType),
      ['Convolution', 'ReLU', 'Pooling', 'ConvolutionDepthWise', 'Convolution', 'Pooling', 'InnerProduct', 'Softmax'],
    );
    // The per-layer sum stays within the model's timed min..max (the fixture adds 0.07 ms outside layers).
    const sum = r.layers!.layers.reduce((s, l) => s + l.timeMs, 0);
    assert.ok(sum <= r.maxMs && sum + 0.07 >= r.minMs - 0.02, `layer sum ${sum} against ${r.minMs}..${r.maxMs}`);
  });

  it("reads real benchncnn output captured here: NCNN's 35 built-in models, 4 loops, 1 thread", () => {
    const out = parseBenchncnnOutput(runnerOutput('benchncnn.x86-64-builtin-list.txt'));
    assert.deepEqual(out.settings, { loopCount: 4, numThreads: 1, powersave: 0, gpuDevice: -1, coolingDown: false });
    assert.deepEqual(out.gpuInfo, []);
    assert.equal(out.results.length, 35);
    assert.deepEqual(out.results[0], { model: 'squeezenet', minMs: 10.06, maxMs: 18.7, avgMs: 13.09, layers: null });
    assert.equal(out.results.filter((r) => r.model.endsWith('_int8')).length, 8);
    // Names with hyphens, dots and capitals, as NCNN prints them.
    assert.deepEqual(
      out.results.slice(-4).map((r) => r.model),
      ['yolo-fastest-1.1', 'yolo-fastestv2', 'vision_transformer', 'FastestDet'],
    );
    for (const r of out.results) assert.ok(r.minMs <= r.avgMs && r.avgMs <= r.maxMs, r.model);
  });

  it('reads real benchncnn output for a converted model given by param= and shape=', () => {
    const out = parseBenchncnnOutput(runnerOutput('benchncnn.x86-64-param-blazeface.txt'));
    assert.deepEqual(out.settings, { loopCount: 16, numThreads: 1, powersave: 0, gpuDevice: -1, coolingDown: false });
    assert.deepEqual(out.results, [{ model: 'blazeface.param', minMs: 1.57, maxMs: 6.89, avgMs: 3.67, layers: null }]);
  });

  it('fails naming a missing header line or a run that printed no result', () => {
    const text = runnerOutput('benchncnn.oneplus7t-readme.txt');
    assert.throws(() => parseBenchncnnOutput(text.replace('powersave = 2\n', '')), /no settings header line for powersave/);
    assert.throws(
      () => parseBenchncnnOutput('loop_count = 4\nnum_threads = 4\npowersave = 2\ngpu_device = -1\ncooling_down = 1\ninput tensor shape empty!\n'),
      (err: unknown) =>
        err instanceof RunnerOutputFormatError &&
        /no "<model> {2}min = .. {2}max = .. {2}avg = .." result line/.test(err.message) &&
        /input tensor shape empty/.test(err.message),
    );
    assert.throws(() => parseBenchncnnOutput(text.replace('avg =    8.87', 'avg =    -nan')), /squeezenet avg is not a number/);
  });

  it('rejects per-layer lines fewer than the loop count', () => {
    const text = runnerOutput('benchncnn.ncnn-benchmark-layers.txt').replace('loop_count = 4', 'loop_count = 40');
    assert.throws(() => parseBenchncnnOutput(text), /12 per-layer forward passes for a loop count of 40/);
  });
});

describe('NCNN_BENCHMARK per-layer lines', () => {
  it('reads CPU lines with shapes and kernel/stride, and in-place lines without', () => {
    const lines = parseNcnnLayerLines(runnerOutput('benchncnn.ncnn-benchmark-layers.txt'));
    assert.equal(lines.length, 12 * 8);
    assert.deepEqual(lines[0], {
      type: 'Convolution',
      name: 'conv1',
      timeMs: 1.46,
      unit: 'ms',
      inShape: '[227, 227,   3 *1]',
      outShape: '[113, 113,   8 *8]',
      kernel: [3, 3],
      stride: [2, 2],
    });
    assert.deepEqual([lines[1]!.type, lines[1]!.inShape, lines[1]!.kernel], ['ReLU', null, null]);
  });

  it('reads Vulkan lines in microseconds, and a long name that pushes the columns right', () => {
    const lines = parseNcnnLayerLines(runnerOutput('ncnn-benchmark-layers.vulkan-issue-5133.txt'));
    assert.deepEqual(
      lines.map((l) => [l.type, l.name, l.unit, l.timeMs]),
      [
        ['Pooling', 'maxpool2d_110', 'us', 0.03823],
        ['Convolution', 'conv_81', 'us', 0.27094],
        ['Swish', 'silu_28', 'us', 0.01068],
      ],
    );
    const long = parseNcnnLayerLines('Convolution              backbone.stage3.block7.conv_pointwise_expand   12.34ms    |');
    assert.equal(long[0]!.name, 'backbone.stage3.block7.conv_pointwise_expand');
  });

  it('splits passes, drops warm-up passes and refuses lines from two different layer sequences', () => {
    const lines = parseNcnnLayerLines(runnerOutput('benchncnn.ncnn-benchmark-layers.txt'));
    assert.equal(ncnnLayerPasses(lines).length, 12);
    const kept = ncnnLayerTimings(lines, 8);
    assert.equal(kept.passes, 4);
    // Each layer's time in every kept pass, in pass order: the samples its median comes from.
    const passes = ncnnLayerPasses(lines).slice(8);
    assert.deepEqual(
      kept.layers[0]!.samplesMs,
      passes.map((p) => p.filter((l) => l.name === kept.layers[0]!.name).reduce((s, l) => s + l.timeMs, 0)),
    );
    assertLayerSamples(kept.layers, kept.passes);
    assert.throws(() => ncnnLayerTimings(lines, 12), /12 forward passes, none left after 12 warm-up passes/);
    const mixed = [...lines.slice(0, 8), ...lines.slice(0, 3)];
    assert.throws(() => ncnnLayerPasses(mixed), /forward pass 2 of 2 does not run the same 8 layers/);
  });
});
