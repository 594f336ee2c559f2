import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { latencyStats, percentile } from './latency-stats.js';

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
