import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { parseOrtProfile } from './onnxruntime-profile.js';
import { layerMedians, settleNote, warmUntilSettled } from './profile-warmup.js';

/** A clock only the runs move: each run advances it by its planned duration. */
function plannedClock(durations: (i: number) => number) {
  let t = 0;
  let i = 0;
  return { nowMs: () => t, run: () => void (t += durations(i++)) };
}

describe('profiled-run warm-up and selection', () => {
  it("layerMedians takes each layer's median, so a spike in one layer of one run moves nothing", () => {
    const runs = [
      [1, 2, 3],
      [1.1, 9, 3],
      [0.9, 2, 3.2],
      [7, 2.2, 3],
      [1, 2, 30],
    ];
    assert.deepEqual(layerMedians(runs), [1, 2, 3]);
    assert.deepEqual(
      layerMedians([
        [1, 4],
        [3, 2],
      ]),
      [2, 3],
      'two runs: their mean',
    );
    assert.deepEqual(layerMedians([]), []);
  });

  it('warmUntilSettled runs at least minRuns and stops once two of the last three runs are near the fastest', async () => {
    const plan = [30, 20, 12, 2, 2, 2];
    const clock = plannedClock((i) => plan[Math.min(i, plan.length - 1)]!);
    const out = await warmUntilSettled(clock.run, { minRuns: 2, maxRuns: 50, nowMs: clock.nowMs });
    assert.deepEqual(out, { runs: 5, settled: true });
    const longer = plannedClock((i) => plan[Math.min(i, plan.length - 1)]!);
    assert.equal((await warmUntilSettled(longer.run, { minRuns: 8, nowMs: longer.nowMs })).runs, 8, 'minRuns are always made');
    assert.equal(settleNote('x', { runs: 3, settled: true }), null);
  });

  it('warmUntilSettled gives up at its cap, or at its deadline, and says so', async () => {
    const growing = plannedClock((i) => 1.6 ** i);
    const out = await warmUntilSettled(growing.run, { minRuns: 2, maxRuns: 6, nowMs: growing.nowMs });
    assert.deepEqual(out, { runs: 6, settled: false });
    assert.match(settleNote('onnxruntime', out)!, /had not settled after 6 warm-up runs/);
    const slow = plannedClock((i) => 1000 * 1.6 ** i);
    assert.deepEqual(await warmUntilSettled(slow.run, { minRuns: 2, maxMs: 5000, nowMs: slow.nowMs }), { runs: 3, settled: false });
  });

  it('parseOrtProfile drops the warm-up inferences and takes per-node medians of the rest', () => {
    // Five inferences of two kernels: a cold first, three steady, one interrupted.
    const perRun = [
      [9, 9],
      [1, 2],
      [1.1, 2.1],
      [0.9, 1.9],
      [5, 6],
    ];
    const trace: unknown[] = [];
    perRun.forEach(([a, b], r) => {
      const ts = r * 100_000;
      trace.push({ cat: 'Session', name: 'model_run', ts, dur: 50_000 });
      trace.push({ cat: 'Node', name: 'conv_kernel_time', ts: ts + 10, dur: a! * 1000, args: { op_name: 'Conv' } });
      trace.push({ cat: 'Node', name: 'conv_fence_before', ts: ts + 5, dur: 999_000 });
      trace.push({ cat: 'Node', name: 'relu_kernel_time', ts: ts + 20, dur: b! * 1000, args: { op_name: 'Relu' } });
    });
    const { layers, runs } = parseOrtProfile(trace, 1);
    assert.equal(runs, 4);
    assert.deepEqual(
      layers.map((l) => [l.name, l.opType, Number(l.timeMs.toFixed(6))]),
      [
        ['conv', 'Conv', 1.05],
        ['relu', 'Relu', 2.05],
      ],
    );
    // Each node's time in every kept run, in run order: the samples its median came from.
    assert.deepEqual(
      layers.map((l) => l.samplesMs!.map((x) => Number(x.toFixed(6)))),
      [
        [1, 1.1, 0.9, 5],
        [2, 2.1, 1.9, 6],
      ],
    );
  });
});
