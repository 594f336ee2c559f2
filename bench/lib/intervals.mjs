// Shared estimators for every ratio the bench scripts report: the median over rounds of per-round
// (paired) ratios, with a seeded percentile-bootstrap 95% interval over rounds, and the verdict
// that follows from the interval. One implementation, so every bench figure means the same thing.
//
// Why paired rounds: this VM's vCPUs switch between two speeds ~1.6x apart in spells of 0.25-10 s,
// so two measurements taken seconds apart can differ by 1.6x for no reason of ours. Measuring both
// sides inside one short round and taking their ratio cancels the spell both sides share; the
// median over rounds and its interval say how far the remaining noise can move the answer.
import { mulberry32 } from '@farm/stats';

export const BOOTSTRAP_RESAMPLES = 4000;
export const DEFAULT_SEED = 42;

export function median(values) {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Percentile bootstrap over rounds of any statistic: `statistic(indices)` gets a resample of round
 * indices (drawn with replacement) and returns a number. Seeded (mulberry32), so re-reading the same
 * rounds gives the same interval. Returns [low, high] at `level` (default 95%).
 */
export function bootstrapInterval(rounds, statistic, { resamples = BOOTSTRAP_RESAMPLES, seed = DEFAULT_SEED, level = 0.95, random } = {}) {
  if (rounds === 0) throw new Error('interval of no rounds');
  const rnd = random ?? mulberry32(seed);
  const stats = new Array(resamples);
  const idx = new Array(rounds);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < rounds; i++) idx[i] = Math.floor(rnd() * rounds);
    stats[b] = statistic(idx);
  }
  stats.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return [stats[Math.floor(tail * (resamples - 1))], stats[Math.ceil((1 - tail) * (resamples - 1))]];
}

/** Percentile bootstrap of the median of `values` (one value per round). */
export function bootstrapMedianInterval(values, opts) {
  return bootstrapInterval(values.length, (idx) => median(idx.map((i) => values[i])), opts);
}

/** Median of `values` and its bootstrap interval: `{ estimate, ci: [lo, hi], n, min, max }`. */
export function medianWithInterval(values, opts) {
  return { estimate: median(values), ci: bootstrapMedianInterval(values, opts), n: values.length, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Paired ratio over rounds: `numerators[i] / denominators[i]` per round, then their median and its
 * interval. Both arrays hold one figure per round (e.g. each side's median latency in that round).
 */
export function pairedRatio(numerators, denominators, opts) {
  if (numerators.length !== denominators.length)
    throw new Error(`paired ratio needs as many numerators as denominators (${numerators.length} vs ${denominators.length})`);
  const ratios = numerators.map((x, i) => x / denominators[i]);
  return { ...medianWithInterval(ratios, opts), ratios };
}

/** True when the interval contains 1: the rounds cannot tell the two sides apart. */
export const spansOne = (ci) => ci[0] <= 1 && ci[1] >= 1;

export const fmtInterval = (ci, digits = 3) => `${ci[0].toFixed(digits)}-${ci[1].toFixed(digits)}`;

/**
 * One-line reading of a "time of A / time of B" ratio: above 1 means B is faster.
 * e.g. describeRatio(r, 'ORT int8', 'ours') -> "1.12 (95% CI 1.05-1.20): ours faster".
 */
export function describeRatio(r, numeratorName, denominatorName, digits = 2) {
  const head = `${r.estimate.toFixed(digits)} (95% CI ${fmtInterval(r.ci, digits)})`;
  if (spansOne(r.ci)) return `${head}: no detectable difference`;
  return `${head}: ${r.ci[0] > 1 ? denominatorName : numeratorName} faster`;
}
