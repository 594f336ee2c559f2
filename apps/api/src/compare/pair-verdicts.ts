/**
 * Pairwise verdicts between the cells of one device: ratioVerdict (seeded bootstrap of the ratio
 * of medians) on the stored raw latencies, worded as a sentence. Within a pair `a` is the cell
 * with the lower median, so the sentence reads "a is faster than b by ..." or "no detectable
 * difference".
 */
import type { ComparePair, CrossDevicePair } from '@farm/contracts';
import { ratioVerdict, type RatioVerdict } from '@farm/stats';

export interface PairCell {
  deviceId: string;
  deviceName: string;
  framework: string;
  artifactId: string;
  jobId: string;
  medianMs: number;
  latenciesMs: readonly number[];
}

/** 2000 resamples up to this many latencies in a pair, 1000 above it: /compare stays quick with long runs. */
export const FULL_RESAMPLING_MAX_LATENCIES = 1000;

export function resamplesFor(na: number, nb: number): number {
  return na + nb <= FULL_RESAMPLING_MAX_LATENCIES ? 2000 : 1000;
}

const pct = (x: number) => `${x.toFixed(0)}%`;

export function verdictText(
  a: string,
  b: string,
  v: Pick<RatioVerdict, 'verdict' | 'ratio' | 'low' | 'high' | 'differencePct' | 'differenceLowPct' | 'differenceHighPct'>,
): string {
  if (v.verdict === 'same') return `${a} vs ${b}: no detectable difference (ratio ${v.ratio.toFixed(2)} [${v.low.toFixed(2)}, ${v.high.toFixed(2)}])`;
  return `${a} is ${v.verdict} than ${b} by ${pct(v.differencePct)} [${pct(v.differenceLowPct)}, ${pct(v.differenceHighPct)}]`;
}

function verdictOf(a: PairCell, b: PairCell, memo?: Map<string, RatioVerdict>): RatioVerdict {
  const key = `${a.jobId}|${b.jobId}`;
  let v = memo?.get(key);
  if (!v) {
    v = ratioVerdict(a.latenciesMs, b.latenciesMs, { resamples: resamplesFor(a.latenciesMs.length, b.latenciesMs.length) });
    memo?.set(key, v);
  }
  return v;
}

/** The verdict's figures as a pair carries them (the bootstrap's internals stay out). */
function verdictFields(v: RatioVerdict) {
  return {
    ratio: v.ratio,
    low: v.low,
    high: v.high,
    level: v.level,
    resamples: v.resamples,
    verdict: v.verdict,
    differencePct: v.differencePct,
    differenceLowPct: v.differenceLowPct,
    differenceHighPct: v.differenceHighPct,
  };
}

/** Lower median first, ties broken by framework and job id so the order (and so the sentence) is stable. */
function byMedian(cells: readonly PairCell[]): PairCell[] {
  return [...cells].sort((x, y) => x.medianMs - y.medianMs || x.framework.localeCompare(y.framework) || x.jobId.localeCompare(y.jobId));
}

/**
 * One framework's cells on different devices, every pair of devices once: the cross-device ratio
 * with its interval. Cells on the same device are left to pairVerdicts.
 */
export function crossDevicePairs(framework: string, cells: readonly (PairCell & { emulated: boolean })[], memo?: Map<string, RatioVerdict>): CrossDevicePair[] {
  const sorted = byMedian(cells) as (PairCell & { emulated: boolean })[];
  const out: CrossDevicePair[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i]!;
      const b = sorted[j]!;
      if (a.deviceId === b.deviceId || a.latenciesMs.length === 0 || b.latenciesMs.length === 0) continue;
      const v = verdictOf(a, b, memo);
      const label = (c: typeof a) => `${c.deviceName}${c.emulated ? ' (emulated)' : ''}`;
      const side = (c: typeof a) => ({ deviceId: c.deviceId, deviceName: c.deviceName, emulated: c.emulated, jobId: c.jobId, artifactId: c.artifactId });
      out.push({
        framework,
        a: side(a),
        b: side(b),
        ...verdictFields(v),
        text: `${framework}: ${verdictText(label(a), label(b), v)}`,
      });
    }
  }
  return out;
}

/**
 * Verdicts of every pair of cells on the same device. `memo` (keyed by the two job ids; a stored
 * result never changes) saves the bootstrap on repeated requests.
 */
export function pairVerdicts(cells: readonly PairCell[], memo?: Map<string, RatioVerdict>): ComparePair[] {
  const byDevice = new Map<string, PairCell[]>();
  for (const c of cells) byDevice.set(c.deviceId, [...(byDevice.get(c.deviceId) ?? []), c]);
  const pairs: ComparePair[] = [];
  for (const group of byDevice.values()) {
    const sorted = byMedian(group);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i]!;
        const b = sorted[j]!;
        if (a.latenciesMs.length === 0 || b.latenciesMs.length === 0) continue;
        const v = verdictOf(a, b, memo);
        pairs.push({
          deviceId: a.deviceId,
          deviceName: a.deviceName,
          a: { framework: a.framework, artifactId: a.artifactId, jobId: a.jobId },
          b: { framework: b.framework, artifactId: b.artifactId, jobId: b.jobId },
          ...verdictFields(v),
          text: verdictText(a.framework, b.framework, v),
        });
      }
    }
  }
  return pairs;
}
