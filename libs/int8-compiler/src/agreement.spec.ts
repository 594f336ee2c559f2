import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { DomainError } from '@farm/contracts';
import { agreement } from './agreement.js';

test('agreement: identical vectors have cosine 1 and zero error', () => {
  const a = agreement([1, 2, 3], [1, 2, 3], 0);
  assert.equal(a.cosine, 1);
  assert.equal(a.maxAbsError, 0);
  assert.equal(a.withinTolerance, 1);
});

test('agreement: cosine, max/mean error and tolerance fraction', () => {
  const a = agreement([1, 0, 0, 2], [1, 0.5, 0, 2], 0.25);
  assert.ok(Math.abs(a.cosine - 5 / Math.sqrt(5 * 5.25)) < 1e-12);
  assert.equal(a.maxAbsError, 0.5);
  assert.equal(a.meanAbsError, 0.125);
  assert.equal(a.withinTolerance, 0.75);
  assert.equal(a.maxAbsReference, 2);
});

test('agreement: opposite vectors have cosine -1; a zero vector against a non-zero one has cosine 0', () => {
  assert.equal(agreement([1, -2], [-1, 2]).cosine, -1);
  assert.equal(agreement([0, 0], [1, 0]).cosine, 0);
  assert.equal(agreement([0, 0], [0, 0]).cosine, 1);
});

test('agreement: NaN in the candidate shows up as a NaN max error, not as agreement', () => {
  assert.ok(Number.isNaN(agreement([1, 2], [1, Number.NaN]).maxAbsError));
});

test('agreement: size mismatch is a DomainError', () => {
  assert.throws(() => agreement([1], [1, 2]), DomainError);
});
