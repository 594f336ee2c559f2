import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { parseOrtProfile } from './onnxruntime-profile.js';
import { layerMedians, settleNote, warmUntilSettled } from './profile-warmup.js';

function busyWait(ms: number): void {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < end);
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

  it('warmUntilSettled runs at least minRuns and stops once the last runs are near the fastest', async () => {
    const plan = [30, 20, 12, 2, 2, 2, 2, 2, 2, 2, 2, 2];
    let i = 0;
    const out = await warmUntilSettled(() => busyWait(plan[Math.min(i++, plan.length - 1)]!), { minRuns: 2, maxRuns: 50 });
    // Two of the last three runs must be near the fastest: not before the fifth run.
    assert.ok(out.runs >= 5, `the cold runs (30, 20, 12 ms) are not enough to settle; ran ${out.runs}`);
    assert.equal(out.settled, out.runs < 50);
    assert.equal(settleNote('x', { runs: 3, settled: true }), null);
  });

  it('warmUntilSettled gives up at its cap and says so', async () => {
    let t = 1;
    const out = await warmUntilSettled(() => busyWait((t *= 1.6)), { minRuns: 2, maxRuns: 6 });
    assert.deepEqual(out, { runs: 6, settled: false });
    assert.match(settleNote('onnxruntime', out)!, /had not settled after 6 warm-up runs/);
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
  });
});
