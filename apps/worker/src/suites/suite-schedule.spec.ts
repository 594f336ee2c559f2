import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { nightKeyOf, scheduledSlot } from './suite-schedule.service.js';

test("a scheduler job's slot comes from its id; a night key is that slot in the suite's zone", () => {
  const slot = Date.UTC(2026, 10, 30, 20, 45, 3);
  assert.equal(scheduledSlot({ id: `repeat:suite.abc:${slot}`, timestamp: slot - 5000, opts: { delay: 4000 } }), slot);
  assert.equal(scheduledSlot({ id: 'manual', timestamp: 1000, opts: { delay: 500 } }), 1500);
  assert.equal(nightKeyOf(slot, 'UTC'), '2026-11-30T20:45:03 UTC');
  // Kolkata is UTC+05:30: the slot falls on the next local day.
  assert.equal(nightKeyOf(slot, 'Asia/Kolkata'), '2026-12-01T02:15:03 Asia/Kolkata');
});
