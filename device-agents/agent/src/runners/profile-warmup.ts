/**
 * Warm-up and run selection for profiled inferences. A profiler's first inferences are slower
 * than its steady state (ONNX Runtime's measured 12.2, 10.8, then ~3.0 ms per run on BlazeFace,
 * against 1.0 ms unprofiled), so profiled runs warm up like the timed ones do and then until their
 * own time settles. Of the profiled runs that follow, each layer's time is its median over the
 * runs, the profiled counterpart of reporting a median latency: on a busy host a large share of
 * runs is interrupted somewhere (measured here at a load of 10 on 2 cores: single 1-2 ms spikes in
 * one op of most 2 ms runs), but any one layer is rarely the one hit.
 */

export interface SettleOptions {
  /** Runs always made (the job's warmupRuns, at least 2). */
  minRuns: number;
  /** Hard caps, so a host that never settles still finishes: the cap is reported, not hidden. */
  maxRuns?: number;
  maxMs?: number;
  /** Monotonic milliseconds; the tests give a clock their runs advance, so no assertion depends on this machine's speed. */
  nowMs?: () => number;
}

export interface SettleOutcome {
  runs: number;
  settled: boolean;
}

/** Settled: the median of the last three runs is within SETTLE_FACTOR of the fastest run so far. */
const SETTLE_FACTOR = 1.2;

export async function warmUntilSettled(runOnce: () => Promise<unknown> | unknown, opts: SettleOptions): Promise<SettleOutcome> {
  const now = opts.nowMs ?? (() => Number(process.hrtime.bigint()) / 1e6);
  const maxRuns = Math.max(opts.minRuns, opts.maxRuns ?? 200);
  const deadline = now() + (opts.maxMs ?? 5000);
  const times: number[] = [];
  for (;;) {
    const start = now();
    await runOnce();
    times.push(now() - start);
    if (times.length < Math.max(opts.minRuns, 3)) continue;
    const last3 = times.slice(-3).sort((a, b) => a - b)[1]!;
    if (last3 <= SETTLE_FACTOR * Math.min(...times)) return { runs: times.length, settled: true };
    if (times.length >= maxRuns || (now() > deadline && times.length >= opts.minRuns)) return { runs: times.length, settled: false };
  }
}

/**
 * Each layer's median over the profiled runs. `runs[r][l]` is layer l's time in run r (0 when it
 * did not run). With one or two runs this is their mean.
 */
export function layerMedians(runs: readonly (readonly number[])[]): number[] {
  if (runs.length === 0) return [];
  return runs[0]!.map((_, l) => {
    const v = runs.map((r) => r[l] ?? 0).sort((a, b) => a - b);
    const m = v.length >> 1;
    return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
  });
}

/**
 * Each layer's median and its time in every run, from the same `runs[r][l]` matrix: the samples
 * let the API put an interval on a per-layer comparison. `scale` converts the unit (µs to ms).
 */
export function layerRunTimes(runs: readonly (readonly number[])[], scale = 1): { timeMs: number; samplesMs: number[] }[] {
  const medians = layerMedians(runs);
  return medians.map((m, l) => ({ timeMs: m * scale, samplesMs: runs.map((r) => (r[l] ?? 0) * scale) }));
}

export function settleNote(framework: string, outcome: SettleOutcome): string | null {
  return outcome.settled ? null : `${framework}: profiled inferences had not settled after ${outcome.runs} warm-up runs; per-layer times may read high`;
}
