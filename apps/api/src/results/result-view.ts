import type { DeviceRunEnvironment, Environment, OpClass, ResultView } from '@farm/contracts';
import type { ResultRow } from './results.repository.js';
import { robustStats, storedLayerSum } from './stored-stats.js';

/**
 * Whether a result's timings are emulation: its device row says so (as registered by its agent),
 * or the environment the agent sent with it does. Every view labels such timings.
 */
export function resultEmulated(r: Pick<ResultRow, 'environment'> & { job: { device: { emulated: boolean } } }): boolean {
  const env = r.environment as { device?: Pick<DeviceRunEnvironment, 'emulated'> } | null;
  return r.job.device.emulated || env?.device?.emulated === true;
}

/**
 * A result as the API shows it: statistics, raw latencies, environment (as the agent sent it, with
 * a phone's before/after snapshots and cooldown under environment.device), the artifact with its model
 * version, and per-layer timings.
 */
export function resultView(r: ResultRow): ResultView {
  const robust = robustStats(r);
  const layerSum = storedLayerSum(r);
  return {
    jobId: r.jobId,
    runId: r.job.runId,
    device: r.job.device,
    emulated: resultEmulated(r),
    framework: r.framework,
    frameworkVersion: r.frameworkVersion,
    artifact: r.job.artifact,
    options: r.job.options as Record<string, unknown>,
    attempt: r.attempt,
    threads: r.threads,
    stats: {
      runs: r.runs,
      medianMs: r.medianMs,
      meanMs: r.meanMs,
      p90Ms: r.p90Ms,
      p99Ms: r.p99Ms,
      minMs: r.minMs,
      maxMs: r.maxMs,
      stdMs: r.stdMs,
      cv: r.cv,
      madMs: robust.madMs,
      iqrMs: robust.iqrMs,
      robustSpread: robust.robustSpread,
      outliers: { low: robust.outliersLow, high: robust.outliersHigh, rule: 'Tukey fences (1.5 IQR)' },
      medianCi: robust.medianCi,
    },
    layerSum: { sumMs: layerSum.layerSumMs, ratio: layerSum.layerSumRatio, basis: layerSum.layerBasis, note: layerSum.layerNote },
    loadMs: r.loadMs,
    firstInferenceMs: r.firstInferenceMs,
    peakMemoryBytes: r.peakMemoryBytes === null ? null : Number(r.peakMemoryBytes),
    outputDigest: r.outputDigest,
    latenciesMs: r.latenciesMs,
    environment: r.environment as Environment,
    notes: r.notes,
    inputSources: (r.inputSources ?? null) as ResultView['inputSources'],
    agreement: r.agreement as ResultView['agreement'],
    profiledRuns: r.profiledRuns,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt.toISOString(),
    layers: r.layers.map((l) => ({ name: l.name, opType: l.opType, opClass: l.opClass as OpClass, timeMs: l.timeMs, share: l.share })),
  };
}
