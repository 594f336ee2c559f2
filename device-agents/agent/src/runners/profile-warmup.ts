/**
 * Warm-up and run selection for profiled inferences. A profiler's first inferences are slower
 * than its steady state (ONNX Runtime's measured 12.2, 10.8, then ~3.0 ms per run on BlazeFace,
 * against 1.0 ms unprofiled), so profiled runs warm up like the timed ones do and then until their
 * own time settles. Of the profiled runs that follow, the per-layer means are taken over the
 * interquartile runs by total time, the profiled counterpart of reporting a median: one run
 * interrupted by the host does not move every layer.
 */

export interface SettleOptions {
  /** Runs always made (the job's warmupRuns, at least 2). */
  minRuns: number;
  /** Hard caps, so a host that never settles still finishes: the cap is reported, not hidden. */
  maxRuns?: number;
  maxMs?: number;
}

export interface SettleOutcome {
  runs: number;
  settled: boolean;
}

/** Settled: the median of the last three runs is within SETTLE_FACTOR of the fastest run so far. */
const SETTLE_FACTOR = 1.2;

export async function warmUntilSettled(runOnce: () => Promise<unknown> | unknown, opts: SettleOptions): Promise<SettleOutcome> {
  const maxRuns = Math.max(opts.minRuns, opts.maxRuns ?? 200);
  const deadline = Date.now() + (opts.maxMs ?? 5000);
  const times: number[] = [];
  for (;;) {
    const start = process.hrtime.bigint();
    await runOnce();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (times.length < Math.max(opts.minRuns, 3)) continue;
    const last3 = times.slice(-3).sort((a, b) => a - b)[1]!;
    if (last3 <= SETTLE_FACTOR * Math.min(...times)) return { runs: times.length, settled: true };
    if (times.length >= maxRuns || (Date.now() > deadline && times.length >= opts.minRuns)) return { runs: times.length, settled: false };
  }
}

/**
 * Indices of the runs whose total lies between the 25th and 75th percentile (inclusive); all runs
 * when there are fewer than four, as quartiles of three numbers mean nothing.
 */
export function interquartileRuns(totals: readonly number[]): number[] {
  const idx = totals.map((_, i) => i);
  if (totals.length < 4) return idx;
  const sorted = [...totals].sort((a, b) => a - b);
  const q = (p: number) => {
    const r = p * (sorted.length - 1);
    const lo = Math.floor(r);
    return sorted[lo]! + (sorted[Math.ceil(r)]! - sorted[lo]!) * (r - lo);
  };
  const [q1, q3] = [q(0.25), q(0.75)];
  return idx.filter((i) => totals[i]! >= q1 && totals[i]! <= q3);
}

export function settleNote(framework: string, outcome: SettleOutcome): string | null {
  return outcome.settled ? null : `${framework}: profiled inferences had not settled after ${outcome.runs} warm-up runs; per-layer times may read high`;
}

/** Said in a result's notes when the per-layer means leave some profiled runs out. */
export function interquartileNote(framework: string, used: number, runs: number): string | null {
  return used < runs ? `${framework}: per-layer means over the ${used} interquartile of ${runs} profiled runs (by total time)` : null;
}
