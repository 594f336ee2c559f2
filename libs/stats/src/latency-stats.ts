/**
 * Summary statistics of raw per-iteration latencies. Computed in one place so the API, the
 * CLI and the bench scripts report the same median/percentiles from the same raw samples.
 *
 * Two kinds of spread are kept on purpose. CV (std / mean) is what most tools print, but on a
 * shared or frequency-switching host a handful of 2-4x outliers among 50 runs dominates it. The
 * robust figures (MAD, IQR, IQR / median) describe the bulk of the runs, and the outliers are
 * counted separately (Tukey fences) so they are shown, never dropped.
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
  /** Coefficient of variation: std / mean. Sensitive to a few outliers; see robustSpread. */
  cv: number;
  /** Median absolute deviation from the median (unscaled). */
  madMs: number;
  /** Interquartile range, p75 - p25. */
  iqrMs: number;
  /** IQR / median: the spread "noisy" is judged on. */
  robustSpread: number;
  /** Runs below p25 - 1.5 IQR or above p75 + 1.5 IQR (Tukey's fences). Kept in every statistic above. */
  outliersLow: number;
  outliersHigh: number;
  /** Distribution-free confidence interval of the median from order statistics (binomial ranks). */
  medianCi: MedianInterval;
}

export interface MedianInterval {
  lowMs: number;
  highMs: number;
  /** The interval's exact coverage (>= 0.95 when the sample allows it; below for n < 6, where [min, max] is all there is). */
  level: number;
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

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/**
 * The order-statistic interval [x(k), x(n-k+1)] (1-based ranks) whose coverage
 * 1 - 2 * P(Bin(n, 1/2) < k) is the smallest that still reaches `level`.
 */
export function medianInterval(sorted: readonly number[], level = 0.95): MedianInterval {
  const n = sorted.length;
  if (n === 0) throw new RangeError('median interval of an empty sample');
  // Binomial(n, 1/2) probabilities built in log space so n in the tens of thousands does not underflow.
  const logHalfN = -n * Math.LN2;
  let k = 1;
  let logC = 0; // log C(n, k - 1)
  let below = Math.exp(logHalfN); // P(X <= k - 1): the mass in each tail the interval leaves out
  for (;;) {
    const logCk = logC + Math.log(n - k + 1) - Math.log(k);
    const pk = Math.exp(logCk + logHalfN); // P(X = k)
    // Narrow by one rank on each side only while coverage stays >= level and the ranks do not cross.
    if (1 - 2 * (below + pk) < level || k + 1 > n - k) break;
    below += pk;
    logC = logCk;
    k++;
  }
  return { lowMs: sorted[k - 1]!, highMs: sorted[n - k]!, level: 1 - 2 * below };
}

export function latencyStats(samples: readonly number[]): LatencyStats {
  if (samples.length === 0) throw new RangeError('latency statistics need at least one sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  const variance = n > 1 ? sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  const std = Math.sqrt(variance);
  const med = percentile(sorted, 50);
  const q1 = percentile(sorted, 25);
  const q3 = percentile(sorted, 75);
  const iqr = q3 - q1;
  return {
    runs: n,
    medianMs: med,
    meanMs: mean,
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    minMs: sorted[0]!,
    maxMs: sorted[n - 1]!,
    stdMs: std,
    cv: mean > 0 ? std / mean : 0,
    madMs: median(sorted.map((x) => Math.abs(x - med))),
    iqrMs: iqr,
    robustSpread: med > 0 ? iqr / med : 0,
    outliersLow: sorted.filter((x) => x < q1 - 1.5 * iqr).length,
    outliersHigh: sorted.filter((x) => x > q3 + 1.5 * iqr).length,
    medianCi: medianInterval(sorted),
  };
}
