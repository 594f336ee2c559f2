/**
 * The framework x device matrix for one model: per cell the latest result's median with its
 * confidence interval, p90, CV and robust spread, and its per-layer time summed by canonical op
 * class (milliseconds only when the layer sum matches the end-to-end time, shares otherwise), so
 * frameworks can be compared class by class. Artifacts that are variants (int8) and Core ML
 * compute units get their own column. Every pair of cells on one device gets a verdict from the raw latencies.
 */
import { Injectable } from '@nestjs/common';
import {
  COMPUTE_UNITS,
  DomainError,
  NOISY_SPREAD,
  OP_CLASSES,
  type CompareCell,
  type CompareResponse,
  type ComputeUnits,
  type LayerBasis,
} from '@farm/contracts';
import type { RatioVerdict } from '@farm/stats';
import { ModelsRepository } from '../models/models.repository.js';
import { ResultsRepository } from '../results/results.repository.js';
import { opClassSummary, storedOpClassSummary, type OpClassSummary } from '../results/op-class-summary.js';
import { robustStats, storedLayerSum, type RobustStats } from '../results/stored-stats.js';
import { resultEmulated } from '../results/result-view.js';
import { pairVerdicts } from './pair-verdicts.js';

export function frameworkLabel(framework: string, variant: string, computeUnits: string | null = null): string {
  const base = variant === 'original' ? framework : `${framework} (${variant.replace('_qdq', '')})`;
  return computeUnits ? `${base} [${computeUnits}]` : base;
}

/** The Core ML compute units a job asked for, from its stored options; null when it did not. */
export function jobComputeUnits(options: unknown): ComputeUnits | null {
  const u = (options as { computeUnits?: unknown } | null)?.computeUnits;
  return typeof u === 'string' && (COMPUTE_UNITS as readonly string[]).includes(u) ? (u as ComputeUnits) : null;
}

/** Time by op class, largest first; timeMs is null unless the layer times read as milliseconds. */
export function opClassBreakdown(layers: readonly { opClass: string; timeMs: number }[], basis: LayerBasis | null): CompareCell['opClasses'] {
  return opClassBreakdownOf(opClassSummary(layers), basis);
}

/** The same breakdown from a result's stored per-class sums (what /compare reads instead of its layers). */
export function opClassBreakdownOf(summary: OpClassSummary, basis: LayerBasis | null): CompareCell['opClasses'] {
  const { totalMs, ms } = summary;
  return OP_CLASSES.filter((c) => Object.hasOwn(ms, c))
    .map((c) => ({ opClass: c, share: totalMs > 0 ? ms[c]! / totalMs : 0, timeMs: basis === 'ms' || basis === 'estimated' ? ms[c]! : null }))
    .sort((a, b) => b.share - a.share);
}

/** Verdicts already computed, by job-id pair (stored results never change); the oldest go first past the cap. */
const VERDICT_MEMO_MAX = 2000;
/** Robust statistics by result id, for the same reason: rows stored before their columns existed recompute them from 50+ latencies. */
const ROBUST_MEMO_MAX = 5000;

/** Drops the oldest entries of an insertion-ordered memo past its cap. */
function trim<K, V>(memo: Map<K, V>, max: number): void {
  while (memo.size > max) memo.delete(memo.keys().next().value!);
}

@Injectable()
export class CompareService {
  private readonly verdicts = new Map<string, RatioVerdict>();
  private readonly robust = new Map<string, RobustStats>();

  constructor(
    private readonly models: ModelsRepository,
    private readonly results: ResultsRepository,
  ) {}

  async compare(modelId: string): Promise<CompareResponse> {
    const model = await this.models.findModel(modelId);
    if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model with id "${modelId}"; list models with GET /models`);
    const rows = await this.results.latestCellsForModel(modelId);
    const cells: CompareCell[] = rows.map((r) => {
      let robust = this.robust.get(r.id);
      if (!robust) this.robust.set(r.id, (robust = robustStats(r)));
      const layerSum = storedLayerSum(r);
      return {
        deviceId: r.job.device.id,
        deviceName: r.job.device.name,
        emulated: resultEmulated(r),
        framework: frameworkLabel(r.framework, r.job.artifact.variant, jobComputeUnits(r.job.options)),
        frameworkVersion: r.frameworkVersion,
        computeUnits: jobComputeUnits(r.job.options),
        artifactId: r.job.artifact.id,
        format: r.job.artifact.format,
        jobId: r.jobId,
        medianMs: r.medianMs,
        medianCi: robust.medianCi,
        p90Ms: r.p90Ms,
        cv: r.cv,
        madMs: robust.madMs,
        iqrMs: robust.iqrMs,
        robustSpread: robust.robustSpread,
        outliersLow: robust.outliersLow,
        outliersHigh: robust.outliersHigh,
        runs: r.runs,
        measuredAt: r.finishedAt.toISOString(),
        ...layerSum,
        opClasses: opClassBreakdownOf(storedOpClassSummary(r.opClassSummary) ?? opClassSummary(r.layers), layerSum.layerBasis),
      };
    });
    const latencies = new Map(rows.map((r) => [r.jobId, r.latenciesMs]));
    const pairs = pairVerdicts(
      cells.map((c) => ({ ...c, latenciesMs: latencies.get(c.jobId)! })),
      this.verdicts,
    );
    trim(this.verdicts, VERDICT_MEMO_MAX);
    trim(this.robust, ROBUST_MEMO_MAX);
    // A device is emulated in this table when any of its cells is (the flag comes from the same device row).
    const devices = [
      ...new Map(
        rows.map((r) => [r.job.device.id, { id: r.job.device.id, name: r.job.device.name, platform: r.job.device.platform, emulated: false }]),
      ).values(),
    ];
    for (const d of devices) d.emulated = cells.some((c) => c.deviceId === d.id && c.emulated);
    const frameworks = [...new Set(cells.map((c) => c.framework))].sort();
    return { modelId: model.id, modelName: model.name, devices, frameworks, cells, noisySpread: NOISY_SPREAD, pairs };
  }
}
