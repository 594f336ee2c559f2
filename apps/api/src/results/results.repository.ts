/**
 * Results and per-layer timings. A result is inserted at most once per job (job_id is unique,
 * ON CONFLICT DO NOTHING), and its layers go in with one COPY in the same transaction, not one
 * statement per layer.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import { from as copyFrom } from 'pg-copy-streams';
import type { LatencyStats } from '@farm/stats';
import type { LayerSum, ResultSubmission } from '@farm/contracts';
import { PrismaService } from '../prisma/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';
import { lockRun, refreshRunStatusIn } from '../benchmarks/benchmarks.repository.js';
import { opClassSummary, storedOpClassSummary } from './op-class-summary.js';
import { LAYER_COPY_COLUMNS, layerCopyChunks } from './layer-copy.js';

export interface IngestOutcome {
  stored: boolean;
  resultId: string;
}

const resultInclude = {
  layers: { orderBy: { idx: 'asc' } },
  job: {
    include: {
      device: { select: { id: true, name: true, platform: true, emulated: true } },
      artifact: { select: { id: true, format: true, variant: true, sha256: true, modelId: true, version: true } },
    },
  },
} satisfies Prisma.BenchmarkResultInclude;
export type ResultRow = Prisma.BenchmarkResultGetPayload<{ include: typeof resultInclude }>;

/**
 * A /compare cell's latest result with only what its cell shows: no layers (op-class figures come
 * from opClassSummary), of the environment only its device part. layers holds the layer rows only
 * for a row that lacks the stored figures made from them (no op-class summary, or layers but no
 * layer basis: rows stored before those columns existed), and is empty otherwise.
 */
export type CellRow = Pick<
  ResultRow,
  | 'id'
  | 'jobId'
  | 'framework'
  | 'frameworkVersion'
  | 'latenciesMs'
  | 'runs'
  | 'medianMs'
  | 'p90Ms'
  | 'cv'
  | 'madMs'
  | 'iqrMs'
  | 'robustSpread'
  | 'outliersLow'
  | 'outliersHigh'
  | 'medianCiLowMs'
  | 'medianCiHighMs'
  | 'medianCiLevel'
  | 'layerSumMs'
  | 'layerSumRatio'
  | 'layerBasis'
  | 'layerNote'
  | 'opClassSummary'
  | 'finishedAt'
  | 'environment'
  | 'layers'
> & {
  job: { options: ResultRow['job']['options']; device: ResultRow['job']['device']; artifact: Pick<ResultRow['job']['artifact'], 'id' | 'format' | 'variant'> };
};

@Injectable()
export class ResultsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The result, its layers, its job's success and its run's status commit together (runId: the job's run). */
  async ingest(sub: ResultSubmission, runId: string, stats: LatencyStats, layerSum: LayerSum, agreement: object | undefined): Promise<IngestOutcome> {
    return this.prisma.$transaction(async (tx) => {
      const o = sub.output;
      const env = sub.environment;
      const inserted = await tx.benchmarkResult.createManyAndReturn({
        data: [
          {
            jobId: sub.jobId,
            attempt: sub.attempt,
            framework: o.framework,
            frameworkVersion: o.frameworkVersion,
            threads: o.threads,
            latenciesMs: o.latenciesMs,
            runs: stats.runs,
            medianMs: stats.medianMs,
            meanMs: stats.meanMs,
            p90Ms: stats.p90Ms,
            p99Ms: stats.p99Ms,
            minMs: stats.minMs,
            maxMs: stats.maxMs,
            stdMs: stats.stdMs,
            cv: stats.cv,
            madMs: stats.madMs,
            iqrMs: stats.iqrMs,
            robustSpread: stats.robustSpread,
            outliersLow: stats.outliersLow,
            outliersHigh: stats.outliersHigh,
            medianCiLowMs: stats.medianCi.lowMs,
            medianCiHighMs: stats.medianCi.highMs,
            medianCiLevel: stats.medianCi.level,
            ...layerSum,
            loadMs: o.loadMs,
            firstInferenceMs: o.firstInferenceMs,
            peakMemoryBytes: o.peakMemoryBytes === null ? null : BigInt(o.peakMemoryBytes),
            outputDigest: o.outputDigest,
            profiledRuns: o.profiledRuns,
            environment: env as unknown as Prisma.InputJsonValue,
            cpuGovernor: env.cpuGovernor,
            cpuFreqMHz: env.cpuFreqMHz,
            temperatureC: env.temperatureC,
            notes: o.notes,
            ...(o.inputSources ? { inputSources: o.inputSources } : {}),
            agreement: agreement as Prisma.InputJsonValue | undefined,
            opClassSummary: opClassSummary(o.layers) as unknown as Prisma.InputJsonValue,
            startedAt: new Date(sub.startedAt),
            finishedAt: new Date(sub.finishedAt),
          },
        ],
        skipDuplicates: true,
        select: { id: true },
      });
      if (inserted.length === 0) {
        const existing = await tx.benchmarkResult.findUniqueOrThrow({ where: { jobId: sub.jobId }, select: { id: true } });
        return { stored: false, resultId: existing.id };
      }
      const resultId = inserted[0]!.id;
      if (o.layers.length > 0) {
        // COPY on the transaction's own connection: the layers commit (or roll back) with the result.
        const conn = await this.prisma.connectionOf(tx);
        await pipeline(
          Readable.from(layerCopyChunks(resultId, o.layers)),
          conn.query(copyFrom(`COPY layer_timings (${LAYER_COPY_COLUMNS.join(', ')}) FROM STDIN`)),
        );
      }
      // The run's row is locked only now, for the job's transition and the run's status: results of
      // one run insert their layers side by side. (The result row's foreign key takes only a key-share
      // lock on the job, which no transition holding the run lock waits for, so this order cannot deadlock.)
      await lockRun(tx, runId);
      await tx.benchmarkJob.update({
        where: { id: sub.jobId },
        data: { status: 'succeeded', finishedAt: new Date(sub.finishedAt), errorCode: null, errorMessage: null, errorClass: null, errorHint: null },
      });
      await refreshRunStatusIn(tx, runId);
      // Last, so the cell's row lock (results of one cell queue on it) is held only until commit;
      // every ingest takes the run lock first, then the cell's, so the order cannot deadlock.
      await tx.$executeRaw`
        INSERT INTO compare_cells (model_id, device_id, framework, artifact_id, compute_units, result_id, finished_at)
        SELECT a.model_id, j.device_id, r.framework, j.artifact_id, COALESCE(j.options->>'computeUnits', ''), r.id, r.finished_at
          FROM benchmark_results r
          JOIN benchmark_jobs j ON j.id = r.job_id
          JOIN model_artifacts a ON a.id = j.artifact_id
         WHERE r.id = ${resultId}::uuid
        ON CONFLICT (model_id, device_id, framework, artifact_id, compute_units) DO UPDATE
           SET result_id = excluded.result_id, finished_at = excluded.finished_at
         WHERE (excluded.finished_at, excluded.result_id) > (compare_cells.finished_at, compare_cells.result_id)`;
      return { stored: true, resultId };
    });
  }

  findByJob(jobId: string): Promise<ResultRow | null> {
    return this.prisma.benchmarkResult.findUnique({ where: { jobId }, include: resultInclude });
  }

  findByRun(runId: string): Promise<ResultRow[]> {
    return this.prisma.benchmarkResult.findMany({ where: { job: { runId } }, include: resultInclude, orderBy: { createdAt: 'asc' } });
  }

  /** The latest result id of each /compare cell of one model, from compare_cells (kept at ingest). */
  private async latestIds(modelId: string): Promise<string[]> {
    const rows = await this.prisma.compareCell.findMany({ where: { modelId }, select: { resultId: true } });
    return rows.map((r) => r.resultId);
  }

  /**
   * The latest result of each (device, framework, artifact, Core ML compute units) for one model,
   * with its layers: one row per cell of compare_cells, however many older results are stored.
   */
  async latestForModel(modelId: string): Promise<ResultRow[]> {
    const ids = await this.latestIds(modelId);
    if (ids.length === 0) return [];
    return this.prisma.benchmarkResult.findMany({ where: { id: { in: ids } }, include: resultInclude, orderBy: { finishedAt: 'desc' } });
  }

  /** The same cells without their layers (see CellRow), in one query from compare_cells, newest first. */
  async latestCellsForModel(modelId: string): Promise<CellRow[]> {
    const flat = await this.prisma.$queryRaw<(Omit<CellRow, 'job' | 'layers' | 'environment'> & Record<string, unknown>)[]>`
      SELECT r.id, r.job_id AS "jobId", r.framework, r.framework_version AS "frameworkVersion", r.latencies_ms AS "latenciesMs", r.runs,
             r.median_ms AS "medianMs", r.p90_ms AS "p90Ms", r.cv, r.mad_ms AS "madMs", r.iqr_ms AS "iqrMs", r.robust_spread AS "robustSpread",
             r.outliers_low AS "outliersLow", r.outliers_high AS "outliersHigh", r.median_ci_low_ms AS "medianCiLowMs",
             r.median_ci_high_ms AS "medianCiHighMs", r.median_ci_level AS "medianCiLevel", r.layer_sum_ms AS "layerSumMs",
             r.layer_sum_ratio AS "layerSumRatio", r.layer_basis AS "layerBasis", r.layer_note AS "layerNote",
             r.op_class_summary AS "opClassSummary", r.finished_at AS "finishedAt", r.environment->'device' AS "envDevice",
             j.options, d.id AS "deviceId", d.name AS "deviceName", d.platform, d.emulated,
             a.id AS "artifactId", a.format, a.variant
        FROM compare_cells c
        JOIN benchmark_results r ON r.id = c.result_id
        JOIN benchmark_jobs j ON j.id = r.job_id
        JOIN devices d ON d.id = j.device_id
        JOIN model_artifacts a ON a.id = j.artifact_id
       WHERE c.model_id = ${modelId}::uuid
       ORDER BY r.finished_at DESC, r.id DESC`;
    const needLayers = flat.filter((r) => {
      const summary = storedOpClassSummary(r.opClassSummary);
      return summary === null || (r.layerBasis === null && Object.keys(summary.ms).length > 0);
    });
    const layers =
      needLayers.length === 0
        ? []
        : await this.prisma.layerTiming.findMany({ where: { resultId: { in: needLayers.map((r) => r.id) } }, orderBy: [{ resultId: 'asc' }, { idx: 'asc' }] });
    const byResult = new Map<string, ResultRow['layers']>();
    for (const l of layers) {
      const list = byResult.get(l.resultId);
      if (list) list.push(l);
      else byResult.set(l.resultId, [l]);
    }
    return flat.map(({ envDevice, options, deviceId, deviceName, platform, emulated, artifactId, format, variant, ...r }) => ({
      ...r,
      environment: envDevice === null || envDevice === undefined ? null : ({ device: envDevice } as Prisma.JsonObject),
      job: {
        options: options as Prisma.JsonValue,
        device: { id: deviceId as string, name: deviceName as string, platform: platform as string, emulated: emulated as boolean },
        artifact: {
          id: artifactId as string,
          format: format as CellRow['job']['artifact']['format'],
          variant: variant as CellRow['job']['artifact']['variant'],
        },
      },
      layers: byResult.get(r.id) ?? [],
    }));
  }
}
