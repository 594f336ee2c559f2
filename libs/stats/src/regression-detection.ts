/**
 * The nightly detection rule for one cell (one model, device, framework and option set):
 * tonight's latency samples against its baseline nights, with the cell's own night-to-night
 * noise. A change is suspect only when three things agree:
 *   1. Mann-Whitney U (distribution-free) says tonight's samples and the pooled baseline differ
 *      (two-sided p < alpha);
 *   2. the bootstrap 95% interval of the median ratio excludes 1 on the same side;
 *   3. the change is practical: |ratio - 1| > max(minChange, noiseFactor x night-to-night noise),
 *      the noise being the robust spread (1.4826 MAD) of the log nightly medians, learned once
 *      three baseline nights exist. Runs within one night are not independent of that night's
 *      conditions, so (1) and (2) alone overstate certainty; (3) is what keeps a noisy cell quiet.
 * A suspicion is confirmed by a re-run. Where tonight's artifact differs from the baseline's and the
 * baseline's can still run, the re-run is paired (detectPairedChange): the baseline's artifact (A)
 * and tonight's (B) alternate on the same device in one session, so the host's speed that night
 * is common to both and cancels; the night-to-night noise leaves the comparison.
 * Slow drifts, each night within the noise of the last, are caught over the series: the split of
 * the nightly medians with the largest standardized mean difference, tested by a seeded
 * permutation test (distribution-free), reported when tonight sits in the shifted segment and the
 * shift passes the same practical threshold.
 */
import { median } from './latency-stats.js';
import { medianRatio } from './median-ratio.js';
import { mulberry32 } from './seeded-random.js';

export interface DetectionSettings {
  alpha: number;
  minChange: number;
  noiseFactor: number;
}

export interface ChangePoint {
  /** Index in the series (baseline nights then tonight) where the shifted segment starts. */
  index: number;
  /** Ratio of the medians after / before the split. */
  shift: number;
  pValue: number;
}

/** The rounds of a paired confirmation: per round, B's median over A's (tonight's artifact over the baseline's). */
export interface PairedRounds {
  rounds: number;
  roundRatios: number[];
}

export interface CellDetection {
  method: 'step' | 'drift' | 'paired';
  direction: 'slower' | 'faster' | 'none';
  suspect: boolean;
  tonightMedianMs: number;
  baselineMedianMs: number;
  ratio: number;
  ratioLow: number;
  ratioHigh: number;
  pValue: number;
  threshold: number;
  nightNoise: number | null;
  baselineNights: number;
  changePoint: ChangePoint | null;
  /** Set by a paired confirmation only. */
  paired?: PairedRounds;
  reason: string;
}

/** Standard normal upper tail, from erfc (W. J. Cody's rational approximation via Numerical Recipes' erfcc, |error| < 1.2e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  const upper = erfc / 2;
  return z >= 0 ? upper : 1 - upper;
}

/**
 * Two-sided Mann-Whitney U test of a against b: normal approximation with tie correction and
 * continuity correction (valid for the sample sizes here: tens of runs per side). Returns U of a
 * and the p-value; p = 1 when every value is tied.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): { u: number; z: number; pValue: number } {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs two non-empty samples');
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const n = n1 + n2;
  let r1 = 0;
  let ties = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    if (t > 1) ties += t * t * t - t;
    for (let k = i; k <= j; k++) if (all[k]!.g === 0) r1 += rank;
    i = j + 1;
  }
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1))));
  if (sigma === 0) return { u, z: 0, pValue: 1 };
  const d = u - mu;
  const z = (d - Math.sign(d) * 0.5) / sigma;
  return { u, z, pValue: Math.min(1, 2 * normalUpperTail(Math.abs(z))) };
}

/** 1.4826 x MAD of the log nightly medians: the cell's relative night-to-night noise; null below 3 nights. */
export function nightToNightNoise(nightMedians: readonly number[]): number | null {
  if (nightMedians.length < 3) return null;
  const logs = nightMedians.map(Math.log);
  const m = median(logs);
  return 1.4826 * median(logs.map((x) => Math.abs(x - m)));
}

/**
 * The most likely single change point of a short series (log values), by the largest
 * |mean after - mean before| / pooled standard error over splits leaving at least two points on
 * each side; its p-value is the share of seeded permutations of the series whose largest statistic
 * is at least as large. Null for a series shorter than 5.
 */
export function changePoint(series: readonly number[], opts: { permutations?: number; seed?: number } = {}): ChangePoint | null {
  const n = series.length;
  if (n < 5) return null;
  const logs = series.map(Math.log);
  const best = maxSplit(logs);
  if (!best) return null;
  const permutations = opts.permutations ?? 999;
  const rand = mulberry32(opts.seed ?? 0xc4a9);
  const buf = logs.slice();
  let atLeast = 0;
  for (let p = 0; p < permutations; p++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = buf[i]!;
      buf[i] = buf[j]!;
      buf[j] = t;
    }
    if ((maxSplit(buf)?.stat ?? 0) >= best.stat) atLeast++;
  }
  const before = series.slice(0, best.index);
  const after = series.slice(best.index);
  return { index: best.index, shift: median(after) / median(before), pValue: (atLeast + 1) / (permutations + 1) };
}

function maxSplit(x: readonly number[]): { index: number; stat: number } | null {
  const n = x.length;
  let best: { index: number; stat: number } | null = null;
  for (let k = 2; k <= n - 2; k++) {
    const a = x.slice(0, k);
    const b = x.slice(k);
    const ma = mean(a);
    const mb = mean(b);
    const ss = a.reduce((s, v) => s + (v - ma) ** 2, 0) + b.reduce((s, v) => s + (v - mb) ** 2, 0);
    const sd = Math.sqrt(ss / (n - 2));
    const se = Math.max(sd, 1e-9) * Math.sqrt(1 / a.length + 1 / b.length);
    const stat = Math.abs(mb - ma) / se;
    if (!best || stat > best.stat) best = { index: k, stat };
  }
  return best;
}

function mean(x: readonly number[]): number {
  return x.reduce((s, v) => s + v, 0) / x.length;
}

/**
 * Tonight's samples against the baseline nights' samples (oldest first). With no baseline the
 * night is the baseline: nothing is suspect.
 */
export function detectCellChange(tonight: readonly number[], baselineNights: readonly (readonly number[])[], settings: DetectionSettings): CellDetection {
  const tonightMedianMs = median(tonight);
  if (baselineNights.length === 0) {
    return {
      method: 'step',
      direction: 'none',
      suspect: false,
      tonightMedianMs,
      baselineMedianMs: tonightMedianMs,
      ratio: 1,
      ratioLow: 1,
      ratioHigh: 1,
      pValue: 1,
      threshold: settings.minChange,
      nightNoise: null,
      baselineNights: 0,
      changePoint: null,
      reason: 'first night of this cell: it becomes the baseline',
    };
  }
  const pooled = baselineNights.flat();
  const nightMedians = baselineNights.map((s) => median(s));
  const nightNoise = nightToNightNoise(nightMedians);
  const threshold = Math.max(settings.minChange, nightNoise === null ? 0 : settings.noiseFactor * nightNoise);
  const mw = mannWhitneyU(tonight, pooled);
  const r = medianRatio(tonight, pooled, { resamples: 1000 });
  const direction = r.ratio > 1 ? 'slower' : r.ratio < 1 ? 'faster' : 'none';
  const practical = Math.abs(r.ratio - 1) > threshold;
  const ciAgrees = direction === 'slower' ? r.low > 1 : direction === 'faster' ? r.high < 1 : false;
  const base = {
    tonightMedianMs,
    baselineMedianMs: median(pooled),
    ratio: r.ratio,
    ratioLow: r.low,
    ratioHigh: r.high,
    pValue: mw.pValue,
    threshold,
    nightNoise,
    baselineNights: baselineNights.length,
  };
  const pct = (x: number) => `${((x - 1) * 100).toFixed(1)}%`;
  const cp = changePoint([...nightMedians, tonightMedianMs]);
  if (mw.pValue < settings.alpha && ciAgrees && practical) {
    return {
      ...base,
      method: 'step',
      direction,
      suspect: true,
      changePoint: cp,
      reason: `median ${pct(r.ratio)} [${pct(r.low)}, ${pct(r.high)}] against ${baselineNights.length} baseline night(s), Mann-Whitney p=${mw.pValue.toExponential(1)}, beyond the ${(threshold * 100).toFixed(1)}% threshold`,
    };
  }
  // A drift: the series steps somewhere before tonight, tonight is on the shifted side and still differs from the nights before the step.
  if (cp && cp.pValue < settings.alpha * 5 && Math.abs(cp.shift - 1) > threshold) {
    const before = baselineNights.slice(0, cp.index).flat();
    const againstBefore = mannWhitneyU(tonight, before);
    const tonightShift = tonightMedianMs / median(before);
    if (againstBefore.pValue < settings.alpha && Math.sign(tonightShift - 1) === Math.sign(cp.shift - 1) && Math.abs(tonightShift - 1) > threshold) {
      return {
        ...base,
        method: 'drift',
        direction: cp.shift > 1 ? 'slower' : 'faster',
        suspect: true,
        changePoint: cp,
        reason: `drift: the nightly medians step by ${pct(cp.shift)} at night ${cp.index + 1} of ${nightMedians.length + 1} (permutation p=${cp.pValue.toFixed(3)}); tonight is ${pct(tonightShift)} from the nights before it`,
      };
    }
  }
  const why = !practical
    ? `${pct(r.ratio)} is within the ${(threshold * 100).toFixed(1)}% threshold`
    : mw.pValue >= settings.alpha
      ? `Mann-Whitney p=${mw.pValue.toFixed(3)} is not below ${settings.alpha}`
      : 'the median ratio interval includes 1';
  return { ...base, method: 'step', direction: 'none', suspect: false, changePoint: cp, reason: `no change: ${why}` };
}

/** A confirmation agrees with a suspicion when it is itself suspect in the same direction. */
export function confirms(suspicion: Pick<CellDetection, 'direction'>, confirmation: Pick<CellDetection, 'suspect' | 'direction'>): boolean {
  return confirmation.suspect && confirmation.direction === suspicion.direction && suspicion.direction !== 'none';
}

/**
 * A paired confirmation: rounds of A (the baseline's artifact) then B (tonight's), back to back on
 * one device in one session. Suspect when four things agree:
 *   1. Mann-Whitney U of B's samples against A's, pooled over the rounds, p < alpha;
 *   2. the bootstrap 95% interval of median(B) / median(A) excludes 1 on the same side;
 *   3. |ratio - 1| > minChange; the night-to-night noise has no part here, as both sides share
 *      the night: the practical threshold is the suite's smallest change worth reporting;
 *   4. every round's median ratio lies on that same side of 1, so one disturbed round (a neighbour
 *      waking up during one job) cannot make the verdict alone.
 */
export function detectPairedChange(rounds: readonly { a: readonly number[]; b: readonly number[] }[], settings: DetectionSettings): CellDetection {
  if (!rounds.length || rounds.some((r) => !r.a.length || !r.b.length))
    throw new RangeError('a paired confirmation needs at least one round with samples on both sides');
  const a = rounds.flatMap((r) => r.a);
  const b = rounds.flatMap((r) => r.b);
  const roundRatios = rounds.map((r) => median(r.b) / median(r.a));
  const mw = mannWhitneyU(b, a);
  const r = medianRatio(b, a, { resamples: 1000 });
  const direction = r.ratio > 1 ? 'slower' : r.ratio < 1 ? 'faster' : 'none';
  const threshold = settings.minChange;
  const practical = Math.abs(r.ratio - 1) > threshold;
  const ciAgrees = direction === 'slower' ? r.low > 1 : direction === 'faster' ? r.high < 1 : false;
  const roundsAgree = direction !== 'none' && roundRatios.every((x) => (direction === 'slower' ? x > 1 : x < 1));
  const pct = (x: number) => `${((x - 1) * 100).toFixed(1)}%`;
  const suspect = mw.pValue < settings.alpha && ciAgrees && practical && roundsAgree;
  const what = `${rounds.length} A/B round(s) on the same device: tonight's artifact ${pct(r.ratio)} [${pct(r.low)}, ${pct(r.high)}] against the baseline's, rounds ${roundRatios.map(pct).join(', ')}`;
  const why = !practical
    ? `within the ${(threshold * 100).toFixed(1)}% threshold`
    : mw.pValue >= settings.alpha
      ? `Mann-Whitney p=${mw.pValue.toFixed(3)} is not below ${settings.alpha}`
      : !ciAgrees
        ? 'the median ratio interval includes 1'
        : 'the rounds disagree in direction';
  return {
    method: 'paired',
    direction: suspect ? direction : 'none',
    suspect,
    tonightMedianMs: median(b),
    baselineMedianMs: median(a),
    ratio: r.ratio,
    ratioLow: r.low,
    ratioHigh: r.high,
    pValue: mw.pValue,
    threshold,
    nightNoise: null,
    baselineNights: 0,
    changePoint: null,
    paired: { rounds: rounds.length, roundRatios },
    reason: suspect
      ? `${what}, Mann-Whitney p=${mw.pValue.toExponential(1)}, beyond the ${(threshold * 100).toFixed(1)}% threshold`
      : `no change: ${what}; ${why}`,
  };
}
