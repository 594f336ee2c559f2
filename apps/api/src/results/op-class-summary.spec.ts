import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { OP_CLASSES } from '@farm/contracts';
import { opClassBreakdown, opClassBreakdownOf } from '../compare/compare.service.js';
import { opClassSummary, storedOpClassSummary } from './op-class-summary.js';

test('a stored op-class summary (through JSON, as the column keeps it) gives the breakdown the layers give', () => {
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const classes = [...OP_CLASSES, 'not-a-class'];
  const layers = Array.from({ length: 500 }, () => ({ opClass: classes[Math.floor(rand() * classes.length)]!, timeMs: rand() * rand() * 3 }));
  const stored = storedOpClassSummary(JSON.parse(JSON.stringify(opClassSummary(layers))));
  assert.ok(stored);
  for (const basis of ['ms', 'shares', 'estimated', null] as const) assert.deepEqual(opClassBreakdownOf(stored, basis), opClassBreakdown(layers, basis));
  assert.equal(
    stored.totalMs,
    layers.reduce((s, l) => s + l.timeMs, 0),
    'summed in layer order, to the last bit',
  );
  assert.deepEqual(opClassBreakdownOf(opClassSummary([]), 'ms'), []);
  assert.equal(storedOpClassSummary(null), null);
  assert.equal(storedOpClassSummary({ ms: {} }), null);
});
