/**
 * Benchmark runs: expand the matrix, store the run and its jobs, queue one job per cell, report
 * progress, cancel what has not started. Postgres is written first; a job the queue did not
 * take is re-added by the worker's reconciler, so a queue hiccup cannot lose a cell. With
 * `quantize`, cells on an int8 variant that does not exist yet are stored waiting for the
 * conversion that makes it (run by the worker), and queued or failed when it ends.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  BenchmarkOptionsSchema,
  calibrationKey,
  DomainError,
  isQuantizedOnnx,
  isTargetableStatus,
  type AttentionJobs,
  type BenchmarkRequest,
  type Framework,
  type EngineErrorClass,
  type TensorSpec,
  type RunJob,
  type CreateRunResponse,
  type RunStatusView,
  type CancelRunResponse,
} from '@farm/contracts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ModelsRepository, type ArtifactRow } from '../models/models.repository.js';
import { DevicesRepository, type DeviceRow } from '../devices/devices.repository.js';
import { deviceFrameworks, effectiveStatus } from '../devices/device-view.js';
import { BenchmarkQueueProducer } from '../queue/benchmark-queue.producer.js';
import { BenchmarksRepository, type JobRow } from './benchmarks.repository.js';
import { jobWait } from './job-wait.js';
import { expandMatrix, targetableDevices } from './benchmark-matrix.js';
import { checkInputSizes } from './input-size.js';
import { ConversionsService, existingVariant, isQuantizable, type PreparedConversion } from '../conversions/conversions.service.js';
import { JobLifecycleService } from '../jobs/job-lifecycle.service.js';
import { TensorsService } from '../tensors/tensors.service.js';
import { withoutKnownFailures } from './known-failures.js';
import type { Prisma } from '../generated/prisma/client.js';

@Injectable()
export class BenchmarksService {
  private readonly logger = new Logger(BenchmarksService.name);

  constructor(
    private readonly repo: BenchmarksRepository,
    private readonly models: ModelsRepository,
    private readonly devices: DevicesRepository,
    private readonly producer: BenchmarkQueueProducer,
    private readonly conversions: ConversionsService,
    private readonly lifecycle: JobLifecycleService,
    private readonly tensors: TensorsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** link.nightId: the suite night (or confirmation) the run belongs to. */
  async create(request: BenchmarkRequest, link: { nightId?: string } = {}): Promise<CreateRunResponse> {
    // Uploaded input tensors named by id become the sha256, dtype and shape the jobs carry.
    const req = await this.tensors.resolve(request);
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
    let skipped: CreateRunResponse['skippedDevices'] = [];
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
    const sources = req.quantize ? artifacts.filter(isQuantizable) : [];
    if (req.quantize) {
      if (sources.length === 0) throw new DomainError('VALIDATION_FAILED', 'quantize needs an fp32 ONNX artifact among the chosen artifacts');
      // A conversion's own bound (calibration bytes) speaks first for a request that asks for one.
      for (const s of sources) this.conversions.check(s);
    }
    // Before anything is stored or converted: inputs that cannot fit are refused with the numbers.
    checkInputSizes(
      artifacts.map(asMatrixArtifact),
      req.options === undefined ? [BenchmarkOptionsSchema.parse({})] : Array.isArray(req.options) ? req.options : [req.options],
      devices.map((d) => ({ id: d.id, name: d.name, ramBytes: d.ramBytes === null ? null : Number(d.ramBytes) })),
      this.config.maxInputBytes,
    );
    // Stand-in artifacts for variants still to be made, by stand-in id: their cells wait for the conversion.
    const pending = new Map<string, { source: ArtifactRow; prepared?: PreparedConversion }>();
    if (req.quantize) {
      // Validate the whole matrix with stand-ins first, so a request refused later leaves no conversion behind.
      const standIn = (s: ArtifactRow) => ({ ...asMatrixArtifact(s), id: `int8-of-${s.id}`, quantized: true });
      this.checkJobCap(expandMatrix(req, matrixDevices, [...artifacts.map(asMatrixArtifact), ...sources.map(standIn)], !!req.targets.deviceIds).length);
      for (const s of sources) {
        const prepared = await this.conversions.prepare(model.id, s, model.artifacts, req.quantize.calibration, req.quantize.calibrationSetId);
        if (prepared.ready) {
          if (!artifacts.some((a) => a.id === prepared.ready!.id)) artifacts = [...artifacts, prepared.ready];
        } else {
          // A variant row whose file went missing is made again by the conversion; its cells wait for that, not run on the lost file.
          const stale = existingVariant(artifacts, s.id, calibrationKey(req.quantize.calibration, req.quantize.calibrationSetId));
          if (stale) artifacts = artifacts.filter((a) => a.id !== stale.id);
          pending.set(`int8-of-${s.id}`, { source: s, prepared });
        }
      }
    }

    const standIns = [...pending.entries()].map(([id, p]) => ({ ...asMatrixArtifact(p.source), id, quantized: true }));
    const expanded = expandMatrix(req, matrixDevices, [...artifacts.map(asMatrixArtifact), ...standIns], !!req.targets.deviceIds);
    const { kept: cells, skipped: skippedCells } = req.tryAnyway ? { kept: expanded, skipped: [] } : withoutKnownFailures(expanded, artifacts, req.frameworks);
    this.checkJobCap(cells.length);
    const run = await this.repo.createRun(
      model.id,
      req as unknown as Prisma.InputJsonValue,
      link.nightId ?? null,
      cells.map((c) => {
        const p = pending.get(c.artifactId);
        return {
          id: c.id,
          deviceId: c.deviceId,
          artifactId: p ? p.source.id : c.artifactId,
          framework: c.framework,
          options: c.options as unknown as Prisma.InputJsonValue,
          ...(p ? { conversionId: p.prepared!.conversion.id } : {}),
        };
      }),
    );
    const byId = new Map(artifacts.map((a) => [a.id, a]));
    const ready = cells.filter((c) => !pending.has(c.artifactId));
    const queued = await this.lifecycle.enqueue(
      ready.map((c) => {
        const artifact = byId.get(c.artifactId)!;
        // A variant's source is always an original artifact, so the model as first read has it.
        const derivedFrom = artifact.derivedFromId ? (model.artifacts.find((a) => a.id === artifact.derivedFromId) ?? null) : null;
        return {
          id: c.id,
          runId: run.id,
          deviceId: c.deviceId,
          framework: c.framework,
          options: c.options as unknown as Prisma.JsonValue,
          artifact: { ...artifact, derivedFrom },
        };
      }),
    );
    const conversions = [];
    for (const { prepared } of pending.values()) {
      await this.conversions.enqueue(prepared!);
      // The conversion may have ended before this run's waiting jobs were committed; settling is idempotent.
      await this.lifecycle.settleWaiting(prepared!.conversion.id);
      conversions.push({ id: prepared!.conversion.id, sourceArtifactId: prepared!.conversion.sourceId });
    }
    if (skipped.length) this.logger.log(`run ${run.id}: skipped unavailable device(s) ${skipped.map((d) => `${d.name} (${d.status})`).join(', ')}`);
    return { runId: run.id, jobs: cells.length, queued, waiting: cells.length - ready.length, conversions, skippedDevices: skipped, skippedCells };
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

  async status(runId: string): Promise<RunStatusView> {
    const run = await this.repo.findRun(runId);
    if (!run) throw new DomainError('RUN_NOT_FOUND', `no benchmark run with id "${runId}"`);
    const ahead = run.jobs.some((j) => j.status === 'queued') ? await this.repo.jobsAhead(runId) : new Map<string, number>();
    const counts: RunStatusView['counts'] = { waiting: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
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
        // A waiting job's artifact row is its conversion's source; the variant it will run has no id yet.
        artifact:
          j.status === 'waiting'
            ? { id: null, format: j.artifact.format, variant: 'int8_qdq' }
            : { id: j.artifact.id, format: j.artifact.format, variant: j.artifact.variant },
        conversionId: j.conversionId,
        options: j.options as Record<string, unknown>,
        status: j.status,
        attempts: j.attempts,
        progress: j.progress as RunJob['progress'],
        // The engine's message verbatim, its class, and what to change (engine-errors.ts).
        error: jobError(j),
        waiting: this.wait(j, ahead.get(j.id) ?? null),
        queuedAt: j.queuedAt.toISOString(),
        startedAt: j.startedAt?.toISOString() ?? null,
        finishedAt: j.finishedAt?.toISOString() ?? null,
        summary: j.result
          ? { medianMs: j.result.medianMs, p90Ms: j.result.p90Ms, cv: j.result.cv, robustSpread: j.result.robustSpread, runs: j.result.runs }
          : null,
      })),
    };
  }

  private wait(j: JobRow, ahead: number | null) {
    return jobWait({ ...j, deviceStatus: effectiveStatus(j.device, this.config.offlineAfterMs), ahead }, this.config.abandonAfterMs);
  }

  /** Failed jobs and jobs stuck on a silent device, across runs, newest first, each with its reason. */
  async attention(limit = 100): Promise<AttentionJobs> {
    const jobs = await this.repo.attentionJobs(new Date(Date.now() - this.config.offlineAfterMs), limit);
    return {
      limit,
      jobs: jobs.map((j) => ({
        id: j.id,
        runId: j.runId,
        device: { id: j.device.id, name: j.device.name },
        framework: j.framework,
        status: j.status,
        attempts: j.attempts,
        error: jobError(j),
        waiting: this.wait(j, null),
        queuedAt: j.queuedAt.toISOString(),
        finishedAt: j.finishedAt?.toISOString() ?? null,
      })),
    };
  }

  /**
   * Cancels the jobs that have not started; a job already on a device finishes (a half-run
   * benchmark is worthless anyway). Postgres first, in one statement with the run's status, so a
   * crash or a queue outage cannot leave a cancel half done: an agent that takes a cancelled job
   * from its queue is refused at start, and the queue entries are removed after the answer.
   */
  async cancel(runId: string): Promise<CancelRunResponse> {
    const run = await this.repo.findRun(runId);
    if (!run) throw new DomainError('RUN_NOT_FOUND', `no benchmark run with id "${runId}"`);
    const cancelled = await this.repo.cancelUnstarted(runId);
    void this.removeFromQueues(cancelled);
    const after = await this.repo.findRun(runId);
    return { runId, cancelled: cancelled.length, stillRunning: after!.jobs.filter((j) => j.status === 'running').length, status: after!.status };
  }

  private async removeFromQueues(jobs: { id: string; deviceId: string }[]): Promise<void> {
    for (const j of jobs) {
      try {
        await this.producer.removeIfWaiting(j.deviceId, j.id);
      } catch (e) {
        this.logger.warn(`cancelled job ${j.id} stays on its queue (${(e as Error).message}); its agent will be refused at start`);
      }
    }
  }
}

/** A job's last error as the API shows it: the engine's message verbatim, with its class and hint for engine failures. */
function jobError(j: Pick<JobRow, 'errorCode' | 'errorMessage' | 'errorClass' | 'errorHint'>): RunJob['error'] {
  if (!j.errorCode) return null;
  return {
    code: j.errorCode,
    message: j.errorMessage,
    ...(j.errorClass ? { class: j.errorClass as EngineErrorClass } : {}),
    ...(j.errorHint ? { hint: j.errorHint } : {}),
  };
}
