import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { latencyStats, medianInterval, percentile } from './latency-stats.js';
import { medianComparison, medianDifference, ratioVerdict } from './median-ratio.js';
import { mulberry32 } from './seeded-random.js';

test('percentile interpolates between closest ranks', () => {
  const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(s, 50), 5.5);
  assert.equal(percentile(s, 0), 1);
  assert.equal(percentile(s, 100), 10);
  assert.ok(Math.abs(percentile(s, 90) - 9.1) < 1e-12);
});

test('latencyStats on a known sample', () => {
  const st = latencyStats([4, 2, 8, 6]);
  assert.equal(st.runs, 4);
  assert.equal(st.medianMs, 5);
  assert.equal(st.meanMs, 5);
  assert.equal(st.minMs, 2);
  assert.equal(st.maxMs, 8);
  // sample variance of 2,4,6,8 is 20/3
  assert.ok(Math.abs(st.stdMs - Math.sqrt(20 / 3)) < 1e-12);
  assert.ok(Math.abs(st.cv - Math.sqrt(20 / 3) / 5) < 1e-12);
});

test('a single sample has zero spread, and empty input is refused', () => {
  const st = latencyStats([3.5]);
  assert.equal(st.stdMs, 0);
  assert.equal(st.p99Ms, 3.5);
  assert.throws(() => latencyStats([]), RangeError);
});

test('robust spread and Tukey outliers: a few slow runs move CV, not the IQR', () => {
  const bulk = Array.from({ length: 46 }, (_, i) => 1 + (i % 5) * 0.01); // 1.00 .. 1.04
  const st = latencyStats([...bulk, 3, 3.5, 4, 0.2]);
  assert.equal(st.outliersHigh, 3);
  assert.equal(st.outliersLow, 1);
  assert.ok(st.cv > 0.3, `CV ${st.cv} is inflated by the outliers`);
  assert.ok(st.robustSpread < 0.05, `IQR/median ${st.robustSpread} describes the bulk`);
  assert.ok(st.madMs <= st.iqrMs);
  assert.equal(st.runs, 50, 'outliers are counted, not dropped');
});

test('median interval uses the binomial ranks (n = 50: 18th and 33rd values) with its exact coverage', () => {
  const s = Array.from({ length: 50 }, (_, i) => i + 1);
  const ci = medianInterval(s);
  assert.equal(ci.lowMs, 18);
  assert.equal(ci.highMs, 33);
  assert.ok(ci.level >= 0.95 && ci.level < 0.97, `coverage ${ci.level}`);
  // Too few runs for 95%: the widest interval and its honest, lower coverage.
  const small = medianInterval([1, 2, 3, 4, 5]);
  assert.deepEqual([small.lowMs, small.highMs], [1, 5]);
  assert.ok(Math.abs(small.level - (1 - 2 / 32)) < 1e-12);
  assert.equal(medianInterval([7]).level, 0);
  // Large n stays finite (log-space binomial).
  const big = medianInterval(Array.from({ length: 20000 }, (_, i) => i));
  assert.ok(big.lowMs > 9800 && big.highMs < 10200 && big.level >= 0.95);
});

test('ratioVerdict: a clear difference gets a verdict and an interval that excludes 1; equal samples do not', () => {
  const rand = mulberry32(1);
  const a = Array.from({ length: 60 }, () => 1 + rand() * 0.05);
  const b = Array.from({ length: 60 }, () => 1.2 + rand() * 0.05);
  const v = ratioVerdict(a, b);
  assert.equal(v.verdict, 'faster');
  assert.ok(v.high < 1 && v.low <= v.ratio && v.ratio <= v.high);
  assert.ok(v.differenceLowPct <= v.differencePct && v.differencePct <= v.differenceHighPct);
  assert.equal(ratioVerdict(b, a).verdict, 'slower');
  const c = Array.from({ length: 60 }, () => 1 + rand() * 0.05);
  const same = ratioVerdict(a, c);
  assert.equal(same.verdict, 'same');
  assert.ok(same.low <= 1 && same.high >= 1);
  assert.deepEqual(ratioVerdict(a, b), v, 'seeded: the same samples give the same interval');
});

test('ratioVerdict: the bootstrap medians (quickselect) equal sorted medians, for odd and even sizes and ties', () => {
  const rand = mulberry32(11);
  const sortedMedian = (x: number[]) => {
    const s = [...x].sort((p, q) => p - q);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  for (const [na, nb] of [
    [1, 2],
    [5, 6],
    [20, 21],
    [64, 9],
  ] as const) {
    const a = Array.from({ length: na }, () => Math.round(rand() * 20) / 10);
    const b = Array.from({ length: nb }, () => 1 + Math.round(rand() * 20) / 10);
    // The same resampling as medianRatio, with sorting.
    const r = mulberry32(0x5eed);
    const ratios: number[] = [];
    for (let i = 0; i < 200; i++) {
      const ra = a.map(() => a[Math.floor(r() * na)]!);
      const rb = b.map(() => b[Math.floor(r() * nb)]!);
      ratios.push(sortedMedian(ra) / sortedMedian(rb));
    }
    ratios.sort((p, q) => p - q);
    const v = ratioVerdict(a, b, { resamples: 200 });
    assert.equal(v.low, percentile(ratios, 2.5), `low, ${na} vs ${nb}`);
    assert.equal(v.high, percentile(ratios, 97.5), `high, ${na} vs ${nb}`);
  }
});

test('medianDifference: the interval brackets the difference of medians, excludes 0 for a clear shift and includes it for none; ratio and difference share resamples', () => {
  const rand = mulberry32(5);
  const a = Array.from({ length: 40 }, () => 2 + rand() * 0.1);
  const b = Array.from({ length: 40 }, () => 1.5 + rand() * 0.1);
  const d = medianDifference(a, b);
  assert.ok(d.low <= d.difference && d.difference <= d.high);
  assert.ok(d.low > 0, 'a is clearly higher: the interval stays above 0');
  const c = Array.from({ length: 40 }, () => 2 + rand() * 0.1);
  const none = medianDifference(a, c);
  assert.ok(none.low <= 0 && none.high >= 0, 'same distribution: the interval contains 0');
  const both = medianComparison(a, b);
  assert.deepEqual(both.difference, d);
  assert.equal(both.ratio.ratio, ratioVerdict(a, b).ratio);
  assert.equal(both.ratio.low, ratioVerdict(a, b).low, 'the same seeded resamples as ratioVerdict');
  assert.throws(() => medianDifference([], [1]), RangeError);
});
