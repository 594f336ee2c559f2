/**
 * Layer alignment on the real sample: BlazeFace's ONNX graph and the MediaPipe TFLite file, and
 * the per-layer profiles the farm stored for them on a desktop (test/fixtures/layer-profiles).
 * The acceptance bar: matched rows cover at least 90% of each framework's profiled time.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpClass } from '@farm/contracts';
import { ensureSampleModels, SAMPLE } from '../../../../../test/fixtures/runner-fixtures.js';
import { ROOT } from '../../../../../test/fixtures/stack.js';
import { alignedRows, coverage, type AlignedColumn } from './aligned-rows.js';
import { alignByName, alignSequences, alignTfliteOnOnnx, LOW_CONFIDENCE, sameShape, type ProfiledLayer } from './layer-alignment.js';
import { onnxSourceGraph, tfliteSourceGraph, type SourceGraph } from './source-graph.js';

interface Profile {
  framework: string;
  format: string;
  variant: string;
  layerBasis: 'ms' | 'shares' | null;
  layers: { name: string; opType: string; opClass: OpClass; timeMs: number }[];
}
const profiles = (JSON.parse(readFileSync(join(ROOT, 'test/fixtures/layer-profiles/blazeface-desktop.json'), 'utf8')) as { results: Profile[] }).results;
const layersOf = (p: Profile): ProfiledLayer[] => p.layers.map((l, idx) => ({ idx, ...l }));
const profile = (framework: string, variant = 'original') => profiles.find((p) => p.framework === framework && p.variant === variant)!;

let onnx: SourceGraph;
let tflite: SourceGraph;
beforeAll(() => {
  ensureSampleModels();
  onnx = onnxSourceGraph(new Uint8Array(readFileSync(SAMPLE.blazefaceOnnx)));
  tflite = tfliteSourceGraph(new Uint8Array(readFileSync(SAMPLE.blazefaceTflite)));
});

function column(p: Profile): AlignedColumn {
  const layers = layersOf(p);
  const matches = p.format === 'tflite' ? alignTfliteOnOnnx(tflite, onnx, layers) : alignByName(onnx, layers);
  return { key: `${p.framework}/${p.variant}`, layerBasis: p.layerBasis, layers, matches };
}

describe('source graphs', () => {
  test('ONNX: conv channels, depthwise class and NCHW shapes from shape inference', () => {
    const first = onnx.nodes.find((n) => n.opType === 'Conv')!;
    assert.deepEqual(first.conv, { inChannels: 3, outChannels: 24, group: 1, kernel: [5, 5], dilations: [1, 1], transposed: false });
    assert.deepEqual(first.outShape, [1, 24, 64, 64]);
    assert.equal(onnx.nodes.filter((n) => n.opClass === 'depthwise_conv').length, 16);
    // The channel pad is ConstantOfShape (a constant) + Concat: only the Concat does work.
    assert.ok(onnx.nodes.filter((n) => n.opType === 'ConstantOfShape').every((n) => n.constant));
  });
  test('TFLite: ops with NHWC output shapes; fp16 DEQUANTIZE ops are constants', () => {
    const conv = tflite.nodes.find((n) => n.opType === 'CONV_2D')!;
    assert.deepEqual(conv.outShape, [1, 64, 64, 24]);
    assert.ok(sameShape(conv.outShape, [1, 24, 64, 64]));
    assert.ok(tflite.nodes.filter((n) => n.opType === 'DEQUANTIZE').every((n) => n.constant));
  });
});

describe('sequence alignment', () => {
  test('pairs equal classes in order, gaps over the rest, prefers agreeing shapes', () => {
    const a = [
      { cls: 'conv' as const, shape: [1, 8, 8, 4] },
      { cls: 'elementwise' as const, shape: null },
    ];
    const b = [
      { cls: 'reshape_transpose' as const, shape: null },
      { cls: 'conv' as const, shape: [1, 4, 8, 8] },
      { cls: 'activation' as const, shape: null },
      { cls: 'elementwise' as const, shape: null },
    ];
    assert.deepEqual(alignSequences(a, b), [
      [0, 1, true],
      [1, 3, false],
    ]);
  });
});

describe('BlazeFace on the desktop: every framework onto the ONNX graph', () => {
  for (const [framework, variant] of [
    ['onnxruntime', 'original'],
    ['opencv-dnn', 'original'],
    ['tflite', 'original'],
    ['onnxruntime', 'int8_qdq'],
    ['native-int8', 'int8_qdq'],
  ] as const) {
    test(`${framework} (${variant}): matched layers cover >= 90% of the profiled time`, () => {
      const p = profile(framework, variant);
      const cov = coverage(column(p));
      console.log(
        `${framework} ${variant}: matched ${(cov.matchedShare * 100).toFixed(1)}%, low confidence ${(cov.lowConfidenceShare * 100).toFixed(1)}%, unmatched: ${cov.unmatched.map((l) => l.name).join(', ')}`,
      );
      expect(cov.matchedShare).toBeGreaterThanOrEqual(0.9);
    });
  }

  test('fused groups: ORT times conv+ReLU as one layer, so the row is {conv, ReLU} in every column', () => {
    const cols = [column(profile('onnxruntime')), column(profile('opencv-dnn')), column(profile('tflite'))];
    const rows = alignedRows(onnx, cols);
    const first = rows.find((r) => r.sourceNodes.includes('StatefulPartitionedCall/functional_1/conv2d/BiasAdd'))!;
    assert.ok(first.group);
    assert.ok(first.sourceNodes.includes('StatefulPartitionedCall/functional_1/conv2d/Relu'));
    for (const c of cols) assert.ok(first.cells[c.key], `${c.key} has a time for the first conv`);
    // Each column's row shares add up to its matched share.
    for (const c of cols) {
      const sum = rows.reduce((s, r) => s + (r.cells[c.key]?.share ?? 0), 0);
      assert.ok(Math.abs(sum - coverage(c).matchedShare) < 1e-9);
    }
  });

  test('TFLite rows say how they were matched; order-only matches are marked low confidence', () => {
    const c = column(profile('tflite'));
    assert.ok(c.matches.every((m) => m.sourceNodes.length === 0 || ['sequence', 'shape'].includes(m.method)));
    const rows = alignedRows(onnx, [c]);
    for (const r of rows) {
      const cell = r.cells[c.key]!;
      assert.equal(r.lowConfidence, cell.confidence < LOW_CONFIDENCE);
    }
  });
});
