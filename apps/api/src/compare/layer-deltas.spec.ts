/**
 * Per-layer deltas from per-run samples: a fused group sums its layers run by run, a clear shift
 * gets an interval that excludes 0, equal layers get "no detectable difference", a column without
 * samples gets no interval, and a shares-only column is compared in shares of each run's total.
 */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { mulberry32 } from '@farm/stats';
import { advisorFixtureOnnx } from '../../../../test/fixtures/onnx-fixtures.js';
import { alignedRows, type AlignedColumn, type CellSamples } from './alignment/aligned-rows.js';
import type { ProfiledLayer } from './alignment/layer-alignment.js';
import { onnxSourceGraph } from './alignment/source-graph.js';
import { comparedRows, layerDeltaText } from './layer-deltas.js';

const graph = onnxSourceGraph(advisorFixtureOnnx());
const RUNS = 12;

function layer(idx: number, name: string, centre: number, seed: number, withSamples = true): ProfiledLayer {
  const rand = mulberry32(seed);
  const samplesMs = Array.from({ length: RUNS }, () => centre * (0.95 + rand() * 0.1));
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const timeMs = (sorted[RUNS / 2 - 1]! + sorted[RUNS / 2]!) / 2;
  return { idx, name, opType: 'Conv', opClass: 'conv', timeMs, ...(withSamples ? { samplesMs } : {}) };
}

/** A: c1, bn1, relu1 apart; B: the three fused into one layer, 2x slower; C: like A without samples; S: shares only. */
function columns(): AlignedColumn[] {
  const a = [layer(0, 'c1', 1.0, 1), layer(1, 'bn1', 0.2, 2), layer(2, 'relu1', 0.1, 3), layer(3, 'up1', 0.5, 4)];
  const b = [layer(0, 'fused', 2.6, 5), layer(1, 'up1', 0.5, 6)];
  const c = [layer(0, 'c1', 1.0, 7, false), layer(1, 'up1', 0.5, 8, false)];
  const s = [layer(0, 'c1', 3.0, 9), layer(1, 'up1', 1.5, 10)];
  const byName = (idx: number, nodes: string[]) => ({ idx, sourceNodes: nodes, confidence: 1, method: 'name' as const });
  return [
    { key: 'A', layerBasis: 'ms', layers: a, matches: [byName(0, ['c1']), byName(1, ['bn1']), byName(2, ['relu1']), byName(3, ['up1'])] },
    { key: 'B', layerBasis: 'ms', layers: b, matches: [byName(0, ['c1', 'bn1', 'relu1']), byName(1, ['up1'])] },
    { key: 'C', layerBasis: 'ms', layers: c, matches: [byName(0, ['c1']), byName(1, ['up1'])] },
    { key: 'S', layerBasis: 'shares', layers: s, matches: [byName(0, ['c1']), byName(1, ['up1'])] },
  ];
}

test('a fused group sums its layers run by run, so its samples cover the same runs as its parts', () => {
  const cols = columns();
  const samples: CellSamples = new Map();
  const rows = alignedRows(graph, cols, samples);
  const group = rows.find((r) => r.sourceNodes.includes('c1'))!;
  assert.deepEqual(group.sourceNodes, ['c1', 'bn1', 'relu1']);
  const a = cols[0]!.layers;
  assert.deepEqual(
    samples.get(group.key)!.get('A'),
    a[0]!.samplesMs!.map((x, i) => x + a[1]!.samplesMs![i]! + a[2]!.samplesMs![i]!),
  );
  assert.equal(group.cells.A!.runs, RUNS);
  assert.equal(group.cells.C!.runs, 0);
  assert.equal(samples.get(group.key)!.has('C'), false);
});

test('deltas: an interval that excludes 0 for a 2x group, "same" for equal layers, none without samples, shares for a shares-only column', () => {
  const rows = comparedRows(graph, columns());
  const group = rows.find((r) => r.sourceNodes.includes('c1'))!;
  const up = rows.find((r) => r.key === 'up1')!;
  const ab = group.deltas.find((d) => d.a === 'A' && d.b === 'B')!;
  assert.equal(ab.basis, 'ms');
  assert.equal(ab.verdict, 'slower');
  assert.ok(ab.differenceLow! > 0 && ab.differenceLow! <= ab.difference && ab.difference <= ab.differenceHigh!);
  assert.ok(ab.ratioLow! > 1.5 && ab.ratioHigh! < 2.5, `ratio interval [${ab.ratioLow}, ${ab.ratioHigh}]`);
  assert.deepEqual(ab.runs, { a: RUNS, b: RUNS });

  const upAB = up.deltas.find((d) => d.a === 'A' && d.b === 'B')!;
  assert.equal(upAB.verdict, 'same', 'two draws around the same 0.5 ms');
  assert.ok(upAB.differenceLow! <= 0 && upAB.differenceHigh! >= 0);
  assert.match(layerDeltaText(upAB, 'A', 'B'), /^B vs A on this layer: no detectable difference/);

  const ac = up.deltas.find((d) => d.a === 'A' && d.b === 'C')!;
  assert.equal(ac.verdict, 'unknown');
  assert.equal(ac.differenceLow, null);
  assert.match(layerDeltaText(ac, 'A', 'C'), /no interval: per-run layer samples are missing/);

  const as = up.deltas.find((d) => d.a === 'A' && d.b === 'S')!;
  assert.equal(as.basis, 'shares');
  // S spends a third of each run in up1; A spends 0.5 of 1.8 ms: both in shares of their own runs.
  assert.ok(Math.abs(as.difference - (1 / 3 - 0.5 / 1.8)) < 0.03, `share difference ${as.difference}`);
  // Pairs only where both columns timed the row: C has no bn1/relu1 layer but timed c1, so the group has A-C too.
  assert.deepEqual(group.deltas.map((d) => `${d.a}-${d.b}`).sort(), ['A-B', 'A-C', 'A-S', 'B-C', 'B-S', 'C-S']);
});
