/**
 * Per-layer deltas with intervals: for every pair of columns that both timed a row, b against a
 * from the cells' per-run samples (seeded bootstrap of the medians, libs/stats). Milliseconds when
 * both columns' layer times are milliseconds; otherwise each run's cell time over that run's
 * profiled total, so a shares-only column is compared in shares and never in invented ms.
 */
import type { LayerCompareRow, LayerDelta } from '@farm/contracts';
import { median, medianComparison } from '@farm/stats';
import { alignedRows, columnRuns, type AlignedColumn, type CellSamples } from './alignment/aligned-rows.js';
import type { SourceGraph } from './alignment/source-graph.js';

/** Per-layer samples are the profiled runs (10 by default): 1000 resamples keep a 100-row, 10-pair table well under a second. */
export const LAYER_DELTA_RESAMPLES = 1000;

/**
 * Fewer runs than this on a side and no interval is given: a percentile bootstrap of a median over
 * 3 runs can only span those 3 values and claims differences it cannot support.
 */
export const MIN_LAYER_RUNS = 5;

/** Each column's profiled time in every run (the sum of all its layers' samples in that run). */
function runTotals(col: AlignedColumn): number[] | null {
  const runs = columnRuns(col);
  if (runs === 0) return null;
  const totals = new Array<number>(runs).fill(0);
  for (const l of col.layers) for (let i = 0; i < runs; i++) totals[i]! += l.samplesMs?.[i] ?? 0;
  return totals;
}

function inBasis(samples: readonly number[] | undefined, totals: number[] | null, basis: LayerDelta['basis']): number[] | null {
  if (!samples) return null;
  if (basis === 'ms') return [...samples];
  if (!totals) return null;
  return samples.map((s, i) => (totals[i]! > 0 ? s / totals[i]! : 0));
}

export function layerDeltas(
  columns: readonly AlignedColumn[],
  rows: readonly Omit<LayerCompareRow, 'deltas'>[],
  samples: CellSamples,
  resamples = LAYER_DELTA_RESAMPLES,
): LayerCompareRow[] {
  const totals = new Map(columns.map((c) => [c.key, runTotals(c)]));
  return rows.map((r) => {
    const deltas: LayerDelta[] = [];
    for (let i = 0; i < columns.length; i++) {
      for (let j = i + 1; j < columns.length; j++) {
        const a = columns[i]!;
        const b = columns[j]!;
        const ca = r.cells[a.key];
        const cb = r.cells[b.key];
        if (!ca || !cb) continue;
        const basis = a.layerBasis === 'ms' && b.layerBasis === 'ms' ? 'ms' : 'shares';
        const va = basis === 'ms' ? ca.timeMs! : ca.share;
        const vb = basis === 'ms' ? cb.timeMs! : cb.share;
        const sa = inBasis(samples.get(r.key)?.get(a.key), totals.get(a.key) ?? null, basis);
        const sb = inBasis(samples.get(r.key)?.get(b.key), totals.get(b.key) ?? null, basis);
        const base: LayerDelta = {
          a: a.key,
          b: b.key,
          basis,
          ratio: va > 0 ? vb / va : null,
          ratioLow: null,
          ratioHigh: null,
          difference: vb - va,
          differenceLow: null,
          differenceHigh: null,
          level: null,
          verdict: 'unknown',
          runs: { a: ca.runs, b: cb.runs },
        };
        if (!sa || !sb || sa.length < MIN_LAYER_RUNS || sb.length < MIN_LAYER_RUNS) {
          deltas.push(base);
          continue;
        }
        const cmp = medianComparison(sb, sa, { resamples });
        const d = cmp.difference;
        // The ratio's interval only when no resample can divide by zero.
        const ratioOk = Math.min(...sa) > 0;
        deltas.push({
          ...base,
          // The point estimates are the medians of the per-run samples, so they sit inside their intervals.
          ratio: ratioOk ? cmp.ratio.ratio : null,
          ratioLow: ratioOk ? cmp.ratio.low : null,
          ratioHigh: ratioOk ? cmp.ratio.high : null,
          difference: median(sb) - median(sa),
          differenceLow: d.low,
          differenceHigh: d.high,
          level: d.level,
          verdict: d.high < 0 ? 'faster' : d.low > 0 ? 'slower' : 'same',
        });
      }
    }
    return { ...r, deltas };
  });
}

/** The side-by-side rows of these columns, each with its per-layer deltas. */
export function comparedRows(graph: SourceGraph, columns: readonly AlignedColumn[]): LayerCompareRow[] {
  const samples: CellSamples = new Map();
  return layerDeltas(columns, alignedRows(graph, columns, samples), samples);
}

const ms = (x: number) => `${x.toFixed(3)} ms`;
const pp = (x: number) => `${(x * 100).toFixed(1)} pts`;

/** "opencv-dnn vs onnxruntime on this layer: +0.412 ms [0.380, 0.455] (x3.1 [2.8, 3.4]) over 10 and 10 runs", or why there is no interval. */
export function layerDeltaText(d: LayerDelta, labelA: string, labelB: string): string {
  const unit = d.basis === 'ms' ? ms : pp;
  const sign = (x: number) => (x >= 0 ? '+' : '-') + unit(Math.abs(x));
  if (d.verdict === 'unknown') {
    const few = Math.min(d.runs.a, d.runs.b);
    const why = few === 0 ? 'per-run layer samples are missing' : `only ${few} profiled runs, an interval needs ${MIN_LAYER_RUNS}`;
    return `${labelB} vs ${labelA} on this layer: ${sign(d.difference)} (no interval: ${why})`;
  }
  const ratio =
    d.ratio !== null && d.ratioLow !== null && d.ratioHigh !== null ? ` (x${d.ratio.toFixed(2)} [${d.ratioLow.toFixed(2)}, ${d.ratioHigh.toFixed(2)}])` : '';
  const interval = `[${sign(d.differenceLow!)}, ${sign(d.differenceHigh!)}]`;
  const head = d.verdict === 'same' ? `no detectable difference, ${sign(d.difference)} ${interval}` : `${sign(d.difference)} ${interval}${ratio}`;
  return `${labelB} vs ${labelA} on this layer: ${head} over ${d.runs.b} and ${d.runs.a} profiled runs`;
}
