/**
 * Benchmark runs: expand the matrix, store the run and its jobs, queue one job per cell, report
 * progress, cancel what has not started. Postgres is written first; a job the queue did not
 * take is re-added by the reconciler, so a queue hiccup cannot lose a cell.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, isQuantizedOnnx, isTargetableStatus, type BenchmarkRequest, type Framework, type TensorSpec } from '@farm/contracts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ModelsRepository, type ArtifactRow } from '../models/models.repository.js';
import { DevicesRepository, type DeviceRow } from '../devices/devices.repository.js';
import { deviceFrameworks, effectiveStatus } from '../devices/device-view.js';
import { BenchmarkQueueProducer } from '../queue/benchmark-queue.producer.js';
import { BenchmarksRepository } from './benchmarks.repository.js';
import { expandMatrix, targetableDevices } from './benchmark-matrix.js';
import { jobPayload } from './job-payload.js';
import { QuantizationService } from '../models/quantization.service.js';
import type { Prisma } from '../generated/prisma/client.js';

@Injectable()
export class BenchmarksService {
  private readonly logger = new Logger(BenchmarksService.name);

  constructor(
    private readonly repo: BenchmarksRepository,
    private readonly models: ModelsRepository,
    private readonly devices: DevicesRepository,
    private readonly producer: BenchmarkQueueProducer,
    private readonly quantizer: QuantizationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(req: BenchmarkRequest) {
    const model = await this.models.findModel(req.modelId);
    if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model with id "${req.modelId}"; list models with GET /models`);
    let artifacts = model.artifacts;
    if (req.artifactIds) {
      const missing = req.artifactIds.filter((id) => !artifacts.some((a) => a.id === id));
      if (missing.length) throw new DomainError('MODEL_NOT_FOUND', `artifact(s) ${missing.join(', ')} do not belong to model ${model.id}`);
      artifacts = artifacts.filter((a) => req.artifactIds!.includes(a.id));
    }
    let devices: DeviceRow[];
    const status = (d: DeviceRow) => effectiveStatus(d, this.config.offlineAfterMs);
    let skipped: { id: string; name: string; status: string }[] = [];
    if (req.targets.deviceIds) {
      const ids = [...new Set(req.targets.deviceIds)];
      devices = await this.devices.findMany(ids);
      const missing = ids.filter((id) => !devices!.some((d) => d.id === id));
      if (missing.length) throw new DomainError('DEVICE_NOT_FOUND', `no device with id ${missing.join(', ')}; list devices with GET /devices`);
      const split = targetableDevices(devices.map((d) => ({ row: d, id: d.id, name: d.name, status: status(d) })));
      devices = split.usable.map((d) => d.row);
      skipped = split.skipped.map((d) => ({ id: d.id, name: d.name, status: d.status }));
    } else {
      const all = await this.devices.list({ platform: req.targets.platform });
      devices = all.filter((d) => isTargetableStatus(status(d)));
      if (devices.length === 0) {
        const unusable = all.length ? ` (${all.map((d) => `${d.name}: ${status(d)}`).join(', ')})` : '';
        throw new DomainError('NO_MATCHING_DEVICE', `no online device with platform "${req.targets.platform}"${unusable}; see GET /devices`);
      }
    }

    const matrixDevices = devices.map((d) => ({ id: d.id, name: d.name, frameworks: deviceFrameworks(d).map((f) => f.framework as Framework) }));
    const asMatrixArtifact = (a: ArtifactRow) => ({
      id: a.id,
      format: a.format,
      inputs: a.inputs as unknown as TensorSpec[],
      quantized: a.format === 'onnx' && isQuantizedOnnx(a.opHistogram as Record<string, number>),
    });
    if (req.quantize) {
      const sources = artifacts.filter(QuantizationService.quantizable);
      if (sources.length === 0) throw new DomainError('VALIDATION_FAILED', 'quantize needs an fp32 ONNX artifact among the chosen artifacts');
      // Validate the whole matrix with stand-ins first, so a request refused later leaves no new artifact behind.
      this.checkJobCap(
        expandMatrix(
          req,
          matrixDevices,
          [...artifacts.map(asMatrixArtifact), ...sources.map((s) => ({ ...asMatrixArtifact(s), id: `int8-of-${s.id}`, quantized: true }))],
          !!req.targets.deviceIds,
        ).length,
      );
      for (const s of sources) {
        const v = await this.quantizer.int8Variant(model.id, s, req.quantize.calibration);
        if (!artifacts.some((a) => a.id === v.artifact.id)) artifacts = [...artifacts, v.artifact];
      }
    }

    const cells = expandMatrix(req, matrixDevices, artifacts.map(asMatrixArtifact), !!req.targets.deviceIds);
    this.checkJobCap(cells.length);
    const run = await this.repo.createRun(
      model.id,
      req as unknown as Prisma.InputJsonValue,
      cells.map((c) => ({
        id: c.id,
        deviceId: c.deviceId,
        artifactId: c.artifactId,
        framework: c.framework,
        options: c.options as unknown as Prisma.InputJsonValue,
      })),
    );
    const byId = new Map(artifacts.map((a) => [a.id, a]));
    let queued = 0;
    for (const c of cells) {
      try {
        const artifact = byId.get(c.artifactId)!;
        // A variant's source is always an original artifact, so the model as first read has it.
        const derivedFrom = artifact.derivedFromId ? (model.artifacts.find((a) => a.id === artifact.derivedFromId) ?? null) : null;
        await this.producer.enqueue(
          jobPayload({
            id: c.id,
            runId: run.id,
            deviceId: c.deviceId,
            framework: c.framework,
            options: c.options as unknown as Prisma.JsonValue,
            artifact: { ...artifact, derivedFrom },
          }),
        );
        queued++;
      } catch (e) {
        this.logger.warn(`job ${c.id} stored but not queued yet (${(e as Error).message}); the reconciler will queue it`);
      }
    }
    if (skipped.length) this.logger.log(`run ${run.id}: skipped unavailable device(s) ${skipped.map((d) => `${d.name} (${d.status})`).join(', ')}`);
    return { runId: run.id, jobs: cells.length, queued, skippedDevices: skipped };
  }

  /** Checked before anything is stored or quantized, so a refused request leaves nothing behind. */
  private checkJobCap(jobs: number): void {
    const max = this.config.maxJobsPerRequest;
    if (jobs > max) {
      throw new DomainError(
        'TOO_MANY_JOBS',
        `this request expands to ${jobs} jobs; at most ${max} per request (MAX_JOBS_PER_REQUEST): target fewer devices, frameworks, artifacts or option sets, or split it`,
        { jobs, max },
      );
    }
  }

  async status(runId: string) {
    const run = await this.repo.findRun(runId);
    if (!run) throw new DomainError('RUN_NOT_FOUND', `no benchmark run with id "${runId}"`);
    const counts: Record<string, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const j of run.jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
    return {
      id: run.id,
      modelId: run.modelId,
      status: run.status,
      createdAt: run.createdAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
      counts,
      progress: run.jobs.length ? (counts.succeeded! + counts.failed! + counts.cancelled!) / run.jobs.length : 1,
      jobs: run.jobs.map((j) => ({
        id: j.id,
        device: { id: j.device.id, name: j.device.name, emulated: j.device.emulated },
        framework: j.framework,
        artifact: { id: j.artifact.id, format: j.artifact.format, variant: j.artifact.variant },
        options: j.options,
        status: j.status,
        attempts: j.attempts,
        progress: j.progress,
        error: j.errorCode ? { code: j.errorCode, message: j.errorMessage } : null,
        queuedAt: j.queuedAt.toISOString(),
        startedAt: j.startedAt?.toISOString() ?? null,
        finishedAt: j.finishedAt?.toISOString() ?? null,
        summary: j.result
          ? { medianMs: j.result.medianMs, p90Ms: j.result.p90Ms, cv: j.result.cv, robustSpread: j.result.robustSpread, runs: j.result.runs }
          : null,
      })),
    };
  }

  /** Cancels the jobs still waiting in the queue; a job already on a device finishes (a half-run benchmark is worthless anyway). */
  async cancel(runId: string) {
    const run = await this.repo.findRun(runId);
    if (!run) throw new DomainError('RUN_NOT_FOUND', `no benchmark run with id "${runId}"`);
    const cancellable: string[] = [];
    for (const j of run.jobs.filter((j) => j.status === 'queued')) {
      if (await this.producer.removeIfWaiting(j.deviceId, j.id)) cancellable.push(j.id);
    }
    const cancelled = await this.repo.cancelJobs(cancellable);
    const status = await this.repo.refreshRunStatus(runId);
    return { runId, cancelled, stillRunning: run.jobs.filter((j) => j.status === 'running').length, status };
  }
}
