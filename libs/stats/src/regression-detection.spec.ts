import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { changePoint, confirms, detectCellChange, detectPairedChange, mannWhitneyU, normalUpperTail } from './regression-detection.js';
import { mulberry32 } from './seeded-random.js';

const settings = { alpha: 0.01, minChange: 0.03, noiseFactor: 3 };

/** Log-normal-ish samples around `center` with a relative spread, seeded. */
function samples(seed: number, center: number, n = 50, spread = 0.03): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => center * Math.exp(spread * (r() + r() + r() - 1.5)));
}

test('normal tail matches known values', () => {
  assert.ok(Math.abs(normalUpperTail(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalUpperTail(1.959964) - 0.025) < 1e-6);
  assert.ok(Math.abs(normalUpperTail(-1.644854) - 0.95) < 1e-6);
});

test('Mann-Whitney U: a textbook case and the all-tied case', () => {
  // a is entirely below b: U = 0, strongly significant.
  const r = mannWhitneyU([1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]);
  assert.equal(r.u, 0);
  assert.ok(r.pValue < 0.001);
  assert.equal(mannWhitneyU([1, 1, 1], [1, 1]).pValue, 1);
});

test('the first night is the baseline: nothing suspect', () => {
  const d = detectCellChange(samples(1, 10), [], settings);
  assert.equal(d.suspect, false);
  assert.equal(d.baselineNights, 0);
});

test('a 10% slowdown is suspect; the same distribution is not', () => {
  const baseline = [samples(2, 10), samples(3, 10), samples(4, 10)];
  const slow = detectCellChange(samples(5, 11), baseline, settings);
  assert.equal(slow.suspect, true, slow.reason);
  assert.equal(slow.direction, 'slower');
  const same = detectCellChange(samples(6, 10), baseline, settings);
  assert.equal(same.suspect, false, same.reason);
  const fast = detectCellChange(samples(7, 9), baseline, settings);
  assert.equal(fast.direction, 'faster');
  assert.ok(confirms(slow, detectCellChange(samples(8, 11), baseline, settings)));
  assert.ok(!confirms(slow, same));
});

test('a cell with large night-to-night noise raises its own threshold', () => {
  const noisy = [samples(10, 10), samples(11, 11.5), samples(12, 9), samples(13, 10.8), samples(14, 9.4)];
  const d = detectCellChange(samples(15, 10.6), noisy, settings);
  assert.ok(d.nightNoise !== null && d.threshold > settings.minChange);
  assert.equal(d.suspect, false, d.reason);
});

test('change point finds the step of a series and gives no point to a flat one', () => {
  const cp = changePoint([10, 10.1, 9.9, 10, 12, 12.1, 11.9]);
  assert.ok(cp);
  assert.equal(cp.index, 4);
  assert.ok(cp.pValue < 0.05);
  assert.equal(changePoint([10, 10.1, 9.9]), null);
});

test('paired confirmation: a 6% slowdown of B is confirmed; A/A is not; one odd round cannot decide', () => {
  const rounds = (shift: number, seed: number) => [0, 1, 2].map((i) => ({ a: samples(seed + 2 * i, 12), b: samples(seed + 2 * i + 1, 12 * (1 + shift)) }));
  const slow = detectPairedChange(rounds(0.06, 100), settings);
  assert.equal(slow.method, 'paired');
  assert.equal(slow.suspect, true, slow.reason);
  assert.equal(slow.direction, 'slower');
  assert.equal(slow.paired?.rounds, 3);
  assert.ok(slow.paired!.roundRatios.every((x) => x > 1));
  assert.ok(confirms({ direction: 'slower' }, slow));
  const same = detectPairedChange(rounds(0, 200), settings);
  assert.equal(same.suspect, false, same.reason);
  assert.equal(same.direction, 'none');
  // Two rounds equal, one round's B 30% slow (a disturbed job): the pooled test may see it, the rounds do not agree.
  const odd = [
    { a: samples(300, 12), b: samples(301, 12) },
    { a: samples(302, 12), b: samples(303, 12) },
    { a: samples(304, 12), b: samples(305, 15.6) },
  ];
  const d = detectPairedChange(odd, settings);
  assert.equal(d.suspect, false, d.reason);
  assert.throws(() => detectPairedChange([], settings), RangeError);
});
