/**
 * The advisor's rules on a built graph and hand-set aligned rows: which items fire, on what
 * evidence, and what they claim. (End to end with real engines: test/e2e/compare-views.e2e-spec.ts.)
 */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import type { LayerCompareRow } from '@farm/contracts';
import { mulberry32 } from '@farm/stats';
import { advisorFixtureOnnx } from '../../../../../test/fixtures/onnx-fixtures.js';
import { onnxSourceGraph } from '../alignment/source-graph.js';
import { advise, type AdvisorCell } from './advisor-rules.js';

const rand = mulberry32(3);
const sample = (centre: number) => Array.from({ length: 40 }, () => centre * (1 + rand() * 0.03));
const cell = (jobId: string, framework: string, variant: string, centre: number): AdvisorCell => ({
  jobId,
  deviceId: 'd1',
  deviceName: 'desk',
  framework,
  baseFramework: framework.replace(' (int8)', ''),
  variant,
  medianMs: centre,
  latenciesMs: sample(centre),
});
const row = (nodes: string[], opTypes: string[], cells: Record<string, [number, number] | null>, deltas: LayerCompareRow['deltas'] = []): LayerCompareRow => ({
  key: nodes[0]!,
  sourceNodes: nodes,
  opTypes,
  opClass: 'conv',
  group: nodes.length > 1,
  lowConfidence: false,
  cells: Object.fromEntries(
    Object.entries(cells).map(([k, v]) => [k, v && { timeMs: v[0], share: v[1], layers: nodes, confidence: 1, methods: ['name' as const], runs: 0 }]),
  ),
  deltas,
});

test('graph rules fire with their measured shares; int8 slower and best framework carry intervals; actions are POST /benchmarks bodies', () => {
  const graph = onnxSourceGraph(advisorFixtureOnnx());
  const cells = [cell('ort', 'onnxruntime', 'original', 1.0), cell('cv', 'opencv-dnn', 'original', 2.0), cell('q', 'onnxruntime (int8)', 'int8_qdq', 1.5)];
  const rows = [
    row(['c1', 'bn1', 'relu1'], ['Conv', 'BatchNormalization', 'Relu'], { ort: [0.3, 0.3], cv: [0.5, 0.25], q: [0.9, 0.6] }),
    row(['up1', 'relu2'], ['ConvTranspose', 'Relu'], { ort: [0.7, 0.7], cv: [1.5, 0.75], q: [0.6, 0.4] }),
  ];
  const items = advise({
    modelId: '00000000-0000-4000-8000-000000000001',
    graph,
    formats: ['onnx'],
    devices: [{ deviceId: 'd1', deviceName: 'desk', offered: ['onnxruntime', 'opencv-dnn', 'tflite', 'native-int8'], cells, rows }],
  });
  const by = (rule: string) => items.filter((i) => i.rule === rule);
  const channels = by('channels-not-multiple-of-8');
  assert.deepEqual(channels.map((i) => i.nodes[0]).sort(), ['c1', 'up1']);
  assert.equal(channels.find((i) => i.nodes[0] === 'c1')!.maxShare, 0.6);
  const bn = by('unfolded-batchnorm')[0]!;
  assert.match(bn.title, /bn1 after Conv c1/);
  assert.ok(
    bn.evidence.every((e) => !e.ownLayer),
    'every engine timed the BN inside the conv group',
  );
  assert.equal(by('transposed-conv')[0]!.evidence.find((e) => e.framework === 'opencv-dnn')!.share, 0.75);
  assert.equal(by('dilated-conv').length, 0);
  for (const i of [...channels, bn]) assert.match(i.expectedGain, /^not measured/);

  const int8 = by('int8-slower-than-fp32')[0]!;
  assert.equal(int8.ratio!.verdict, 'slower');
  assert.ok(int8.ratio!.low > 1);
  assert.deepEqual(int8.layers[0]!.sourceNodes, ['c1', 'bn1', 'relu1'], 'the conv group is where int8 costs more');
  assert.match(int8.expectedGain, /^measured: staying on fp32 onnxruntime is \d+% \[\d+%, \d+%\] faster/);

  const best = by('best-framework')[0]!;
  assert.equal(best.ratio!.a, 'onnxruntime');
  assert.match(best.expectedGain, /^measured: onnxruntime is faster than onnxruntime \(int8\) by \d+% \[\d+%, \d+%\]/);
  // int8 was measured, tflite cannot read ONNX: nothing left to try on this device.
  assert.deepEqual(best.actions, []);

  const far = by('layer-far-slower');
  assert.ok(far.some((i) => i.nodes.includes('up1') && i.layers[0]!.factor! > 2));
  assert.match(far.find((i) => i.nodes.includes('up1'))!.detail, /per-run layer samples are missing/);
});

test('layer-far-slower reads the per-layer interval: stated when it excludes 0, and no item when it holds no detectable difference', () => {
  const graph = onnxSourceGraph(advisorFixtureOnnx());
  const cells = [cell('ort', 'onnxruntime', 'original', 1.0), cell('cv', 'opencv-dnn', 'original', 2.0)];
  const delta = (verdict: 'slower' | 'same', low: number, high: number): LayerCompareRow['deltas'][number] => ({
    a: 'ort',
    b: 'cv',
    basis: 'ms',
    ratio: 1.5 / 0.7,
    ratioLow: (0.7 + low) / 0.7,
    ratioHigh: (0.7 + high) / 0.7,
    difference: 0.8,
    differenceLow: low,
    differenceHigh: high,
    level: 0.95,
    verdict,
    runs: { a: 10, b: 10 },
  });
  const run = (d: LayerCompareRow['deltas'][number]) =>
    advise({
      modelId: '00000000-0000-4000-8000-000000000001',
      graph,
      formats: ['onnx'],
      devices: [
        {
          deviceId: 'd1',
          deviceName: 'desk',
          offered: [],
          cells,
          rows: [row(['up1', 'relu2'], ['ConvTranspose', 'Relu'], { ort: [0.7, 0.7], cv: [1.5, 0.75] }, [d])],
        },
      ],
    }).filter((i) => i.rule === 'layer-far-slower');
  const clear = run(delta('slower', 0.6, 1.0));
  assert.equal(clear.length, 1);
  assert.match(
    clear[0]!.detail,
    /Per layer, from the profiled runs: opencv-dnn vs onnxruntime on this layer: \+0\.800 ms \[\+0\.600 ms, \+1\.000 ms\] \(x2\.14 \[1\.86, 2\.43\]\) over 10 and 10 profiled runs/,
  );
  assert.equal(run(delta('same', -0.1, 1.6)).length, 0, 'an interval holding 0 is no evidence of a slower layer');
});

test('untried frameworks and int8 become one-click benchmark bodies', () => {
  const graph = onnxSourceGraph(advisorFixtureOnnx());
  const items = advise({
    modelId: '00000000-0000-4000-8000-000000000001',
    graph,
    formats: ['onnx'],
    devices: [
      {
        deviceId: 'd1',
        deviceName: 'desk',
        offered: ['onnxruntime', 'opencv-dnn', 'native-int8'],
        cells: [cell('ort', 'onnxruntime', 'original', 1)],
        rows: [],
      },
    ],
  });
  const best = items.find((i) => i.rule === 'best-framework')!;
  assert.deepEqual(
    best.actions.map((a) => a.request),
    [
      { modelId: '00000000-0000-4000-8000-000000000001', targets: { deviceIds: ['d1'] }, frameworks: ['opencv-dnn'] },
      {
        modelId: '00000000-0000-4000-8000-000000000001',
        targets: { deviceIds: ['d1'] },
        frameworks: ['onnxruntime', 'native-int8'],
        quantize: { calibration: 'percentile' },
      },
    ],
  );
});
