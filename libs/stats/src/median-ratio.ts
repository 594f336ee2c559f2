/**
 * How two latency samples compare: the ratio of their medians with a seeded bootstrap 95%
 * interval, and the verdict a user reads ("A is faster than B by 12% [9%, 15%]" or "no
 * detectable difference"). Percentile bootstrap of the median ratio: it needs no distribution
 * assumption, and a fixed seed makes the same two samples give the same interval every time.
 *
 * What it cannot see: runs inside one benchmark are not independent when the host drifts
 * (frequency spells, a neighbour waking up), so the interval is a statement about these two
 * measurements, not about every future run. Repeat runs (the nightly suites) close that gap.
 */
import { median, percentile } from './latency-stats.js';
import { mulberry32 } from './seeded-random.js';

export interface MedianRatio {
  /** median(a) / median(b). Below 1: a is faster. */
  ratio: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
}

export interface RatioVerdict extends MedianRatio {
  /** 'faster' / 'slower' describe a relative to b; 'same' when the interval contains 1. */
  verdict: 'faster' | 'slower' | 'same';
  /** |1 - ratio| as a percentage of b's median, with its interval (both bounds on the same side as the estimate). */
  differencePct: number;
  differenceLowPct: number;
  differenceHighPct: number;
}

export interface MedianDifference {
  /** median(a) - median(b), in the samples' unit. Below 0: a is lower. */
  difference: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
}

type BootstrapOptions = { resamples?: number; level?: number; seed?: number };

/**
 * One seeded bootstrap of both medians: each resample draws a and b with replacement and keeps
 * the pair of medians, so the ratio and the difference come from the same resamples.
 */
function bootstrapMedians(a: readonly number[], b: readonly number[], opts: BootstrapOptions) {
  if (a.length === 0 || b.length === 0) throw new RangeError('a median comparison needs two non-empty samples');
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const rand = mulberry32(opts.seed ?? 0x5eed);
  const ma = new Float64Array(resamples);
  const mb = new Float64Array(resamples);
  const bufA = new Float64Array(a.length);
  const bufB = new Float64Array(b.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) bufA[i] = a[Math.floor(rand() * a.length)]!;
    for (let i = 0; i < b.length; i++) bufB[i] = b[Math.floor(rand() * b.length)]!;
    ma[r] = selectMedian(bufA);
    mb[r] = selectMedian(bufB);
  }
  const tail = ((1 - level) / 2) * 100;
  const interval = (f: (x: number, y: number) => number) => {
    const sorted = Array.from(ma, (x, r) => f(x, mb[r]!)).sort((x, y) => x - y);
    return { low: percentile(sorted, tail), high: percentile(sorted, 100 - tail) };
  };
  return { resamples, level, interval };
}

/** Ratio and difference of medians from one bootstrap (the same resamples), for views that show both. */
export function medianComparison(
  a: readonly number[],
  b: readonly number[],
  opts: BootstrapOptions = {},
): { ratio: MedianRatio; difference: MedianDifference } {
  const { resamples, level, interval } = bootstrapMedians(a, b, opts);
  return {
    ratio: { ratio: median(a) / median(b), ...interval((x, y) => x / y), level, resamples },
    difference: { difference: median(a) - median(b), ...interval((x, y) => x - y), level, resamples },
  };
}

export function medianRatio(a: readonly number[], b: readonly number[], opts: BootstrapOptions = {}): MedianRatio {
  return medianComparison(a, b, opts).ratio;
}

/**
 * The difference of medians with its percentile bootstrap interval: for per-layer times, where a
 * layer can take ~0 ms on one engine and a ratio says little, the difference in milliseconds does.
 */
export function medianDifference(a: readonly number[], b: readonly number[], opts: BootstrapOptions = {}): MedianDifference {
  return medianComparison(a, b, opts).difference;
}

export function ratioVerdict(a: readonly number[], b: readonly number[], opts?: BootstrapOptions): RatioVerdict {
  const r = medianRatio(a, b, opts);
  const verdict = r.high < 1 ? 'faster' : r.low > 1 ? 'slower' : 'same';
  const pct = (x: number) => Math.abs(1 - x) * 100;
  // For "faster" the interval on the difference runs from (1 - high) to (1 - low); for "slower" from (low - 1) to (high - 1).
  const [lo, hi] = verdict === 'slower' ? [pct(r.low), pct(r.high)] : [pct(r.high), pct(r.low)];
  return {
    ...r,
    verdict,
    differencePct: pct(r.ratio),
    differenceLowPct: verdict === 'same' ? 0 : lo,
    differenceHighPct: verdict === 'same' ? Math.max(pct(r.low), pct(r.high)) : hi,
  };
}

/**
 * The median of `s` by quickselect (reorders `s`): the same value as sorting and taking the
 * middle, in linear expected time, which is most of the bootstrap's cost on long runs.
 */
function selectMedian(s: Float64Array): number {
  const m = s.length >> 1;
  const upper = select(s, m);
  if (s.length % 2) return upper;
  // Everything left of m is <= s[m] after selection; the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < m; i++) if (s[i]! > lower) lower = s[i]!;
  return (lower + upper) / 2;
}

/** Puts the k-th smallest value at index k, smaller ones before it, larger ones after (Hoare partition, middle pivot). */
function select(s: Float64Array, k: number): number {
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const pivot = s[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (s[i]! < pivot) i++;
      while (s[j]! > pivot) j--;
      if (i <= j) {
        const t = s[i]!;
        s[i] = s[j]!;
        s[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return s[k]!;
}
