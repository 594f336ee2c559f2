/**
 * Summary statistics of raw per-iteration latencies. Computed in one place so the API, the
 * CLI and the bench scripts report the same median/percentiles from the same raw samples.
 */
export interface LatencyStats {
  runs: number;
  medianMs: number;
  meanMs: number;
  p90Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  /** Sample standard deviation (n - 1). */
  stdMs: number;
  /** Coefficient of variation: std / mean; the noise figure a regression check needs. */
  cv: number;
}

/** Percentile with linear interpolation between closest ranks (the R-7 / NumPy default). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  if (p < 0 || p > 100) throw new RangeError(`percentile ${p} outside [0, 100]`);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function latencyStats(samples: readonly number[]): LatencyStats {
  if (samples.length === 0) throw new RangeError('latency statistics need at least one sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  const variance = n > 1 ? sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  const std = Math.sqrt(variance);
  return {
    runs: n,
    medianMs: percentile(sorted, 50),
    meanMs: mean,
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    minMs: sorted[0]!,
    maxMs: sorted[n - 1]!,
    stdMs: std,
    cv: mean > 0 ? std / mean : 0,
  };
}
