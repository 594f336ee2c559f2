/**
 * The framework x device matrix for one model: per cell the latest result's median, p90 and CV,
 * and its per-layer time summed by canonical op class, so frameworks can be compared class by
 * class. Artifacts that are variants (int8) get their own column.
 */
import { Injectable } from '@nestjs/common';
import { DomainError, NOISY_CV, OP_CLASSES, type CompareCell, type CompareResponse, type OpClass } from '@farm/contracts';
import { ModelsRepository } from '../models/models.repository.js';
import { ResultsRepository, type ResultRow } from '../results/results.repository.js';

export function frameworkLabel(framework: string, variant: string): string {
  return variant === 'original' ? framework : `${framework} (${variant.replace('_qdq', '')})`;
}

export function opClassBreakdown(layers: ResultRow['layers']): CompareCell['opClasses'] {
  const total = layers.reduce((s, l) => s + l.timeMs, 0);
  const sums = new Map<OpClass, number>();
  for (const l of layers) sums.set(l.opClass as OpClass, (sums.get(l.opClass as OpClass) ?? 0) + l.timeMs);
  return OP_CLASSES.filter((c) => sums.has(c))
    .map((c) => ({ opClass: c, timeMs: sums.get(c)!, share: total > 0 ? sums.get(c)! / total : 0 }))
    .sort((a, b) => b.timeMs - a.timeMs);
}

@Injectable()
export class CompareService {
  constructor(
    private readonly models: ModelsRepository,
    private readonly results: ResultsRepository,
  ) {}

  async compare(modelId: string): Promise<CompareResponse> {
    const model = await this.models.findModel(modelId);
    if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model with id "${modelId}"; list models with GET /models`);
    const rows = await this.results.latestForModel(modelId);
    const cells: CompareCell[] = rows.map((r) => ({
      deviceId: r.job.device.id,
      deviceName: r.job.device.name,
      framework: frameworkLabel(r.framework, r.job.artifact.variant),
      frameworkVersion: r.frameworkVersion,
      artifactId: r.job.artifact.id,
      format: r.job.artifact.format,
      jobId: r.jobId,
      medianMs: r.medianMs,
      p90Ms: r.p90Ms,
      cv: r.cv,
      runs: r.runs,
      measuredAt: r.finishedAt.toISOString(),
      opClasses: opClassBreakdown(r.layers),
    }));
    const devices = [...new Map(cells.map((c) => [c.deviceId, { id: c.deviceId, name: c.deviceName }])).values()];
    const frameworks = [...new Set(cells.map((c) => c.framework))].sort();
    return { modelId: model.id, modelName: model.name, devices, frameworks, cells, noisyCv: NOISY_CV };
  }
}
