/**
 * Runs one benchmark job on this agent: check it may run, fetch the artifact, run the framework
 * in an isolated child, classify layers, and hand the result to the durable outbox before the
 * queue job is acknowledged. Permanent failures (the framework refused the model) are not
 * retried; transient ones are rethrown for the queue's backoff.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BenchmarkJobPayloadSchema, inputSources, type BenchmarkJobPayload, type JobProgress, type RunnerOutput } from '@farm/contracts';
import { UnrecoverableError, type Job } from '@farm/queue';
import { AGENT_CONFIG, type AgentConfig } from '../agent-config.js';
import { ApiClient, ApiError } from '../api/api-client.js';
import { ResultOutbox } from '../outbox/result-outbox.js';
import { ArtifactCache } from './artifact-cache.js';
import { classifyLayers } from './layer-classifier.js';
import { LocalTransport } from '../transports/local.transport.js';
import { runIsolated } from '../host/run-isolated.js';
import { join } from 'node:path';

export const runnerPidFile = (c: AgentConfig): string => join(c.dataDir, 'runner.pid');
import { RunnerError, type FirstOutput } from '../runners/runner.js';
import { attachAgreement } from '../runners/reference-agreement.js';
import { runOnPhone } from '../phone/phone-job.js';
import type { DeviceSession } from '../devices/device-session.js';

/** Whether the device still answers as online on its transport (a failed listing counts as no). */
async function stillOnline(session: DeviceSession): Promise<boolean> {
  try {
    return (await session.transport.devices()).some((d) => d.serial === session.serial && d.connection === 'online');
  } catch {
    return false;
  }
}

export type JobOutcome = 'succeeded' | 'skipped' | 'already-delivered';

@Injectable()
export class BenchmarkJobService {
  private readonly logger = new Logger(BenchmarkJobService.name);

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    private readonly api: ApiClient,
    private readonly outbox: ResultOutbox,
    private readonly artifacts: ArtifactCache,
    private readonly transport: LocalTransport,
  ) {}

  /** `session` is the device the job's queue belongs to; without one the job runs on this desktop. */
  async execute(job: Job<unknown>, signal?: AbortSignal, session?: DeviceSession): Promise<JobOutcome> {
    const parsed = BenchmarkJobPayloadSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
    const p = parsed.data;
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    if (this.outbox.hasResult(p.jobId)) return 'already-delivered';

    const startedAt = new Date();
    try {
      await this.api.jobStarted({ jobId: p.jobId, attempt, startedAt: startedAt.toISOString() });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        this.logger.log(`job ${p.jobId} skipped: ${e.message}`);
        return 'skipped';
      }
      if (!(e instanceof ApiError && e.retryable)) throw e;
      // The API is down: run anyway, the outbox delivers the result when it is back.
      this.logger.warn(`could not report start of ${p.jobId}: ${e.message}`);
    }

    try {
      const output = session && session.transport.kind !== 'local' ? await this.runOnDevice(session, p, attempt, signal) : await this.run(p, attempt, signal);
      await this.outbox.putWhenRoom({
        kind: 'result',
        body: {
          jobId: p.jobId,
          deviceId: p.deviceId,
          attempt,
          startedAt: startedAt.toISOString(),
          finishedAt: new Date().toISOString(),
          // Which inputs carried the request's values and which were synthetic: a result says what it measured.
          output: { ...output.output, inputSources: inputSources(p.model.inputs, p.options.inputs) },
          environment: output.environment,
        },
      });
      return 'succeeded';
    } catch (e) {
      const err = RunnerError.from(e);
      const final = err.permanent || attempt >= maxAttempts;
      await this.outbox.putWhenRoom({
        kind: 'failure',
        body: {
          jobId: p.jobId,
          attempt,
          permanent: err.permanent,
          code: err.code,
          message: err.message.slice(0, 8000),
          final,
          ...(err.errorClass ? { errorClass: err.errorClass } : {}),
          ...(err.hint ? { hint: err.hint.slice(0, 1000) } : {}),
        },
      });
      if (err.permanent) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
  }

  /**
   * Fetches the job's model (and its fp32 reference, for an int8 variant) into the artifact cache,
   * and gives each a directory of its own for this job (an NCNN .bin beside its .param): engines
   * open them there, never in the cache. release() removes those directories.
   */
  private async fetchArtifacts(p: BenchmarkJobPayload, progress: ReturnType<BenchmarkJobService['progressReporter']>) {
    progress('download', 0, 1);
    let modelPath: string;
    let weightsPath: string | undefined;
    try {
      modelPath = await this.artifacts.get(p.model.sha256, p.model.format);
      if (p.model.weights) weightsPath = await this.artifacts.get(p.model.weights.sha256, 'bin');
    } catch (e) {
      throw RunnerError.failed(`artifact ${p.model.sha256} could not be fetched: ${(e as Error).message}`);
    }
    // An int8 variant also reports agreement with the fp32 model it came from, run on the same inputs.
    let referenceModelPath: string | undefined;
    if (p.reference) {
      try {
        referenceModelPath = await this.artifacts.get(p.reference.sha256, p.reference.format);
      } catch (e) {
        throw RunnerError.failed(`reference artifact ${p.reference.sha256} could not be fetched: ${(e as Error).message}`);
      }
    }
    // Uploaded input tensors are read, never opened by an engine: their cache paths are enough.
    const inputFiles: Record<string, string> = {};
    for (const [name, spec] of Object.entries(p.options.inputs ?? {})) {
      if (spec.kind !== 'file') continue;
      if (!spec.sha256) throw new RunnerError('INPUT_SPEC_MISMATCH', `options.inputs["${name}"]: the job carries no stored tensor`, true);
      try {
        inputFiles[name] = await this.artifacts.get(spec.sha256, 'bin');
      } catch (e) {
        throw RunnerError.failed(`input tensor ${spec.tensorId} could not be fetched: ${(e as Error).message}`);
      }
    }
    progress('download', 1, 1);
    const model = this.artifacts.checkout(modelPath, `${p.jobId}-model`, weightsPath ? [weightsPath] : []);
    const reference = referenceModelPath ? this.artifacts.checkout(referenceModelPath, `${p.jobId}-reference`) : undefined;
    return {
      modelPath: model.path,
      weightsPath: model.extras[0],
      referenceModelPath: reference?.path,
      inputFiles,
      release: () => {
        model.release();
        reference?.release();
      },
    };
  }

  private async run(p: BenchmarkJobPayload, attempt: number, signal?: AbortSignal) {
    const progress = this.progressReporter(p.jobId, attempt);
    const { modelPath, weightsPath, referenceModelPath, inputFiles, release } = await this.fetchArtifacts(p, progress);
    try {
      const settings = this.config.runnerSettings;
      const environment = { ...this.transport.environment(), cpuAffinity: settings.cpus ?? null };
      const raw = await runIsolated(
        p.framework,
        {
          modelPath,
          ...(weightsPath ? { weightsPath } : {}),
          inputs: p.model.inputs,
          outputs: p.model.outputs,
          options: p.options,
          inputFiles,
          ...(referenceModelPath ? { referenceModelPath } : {}),
        },
        {
          onProgress: (phase, done, total) => progress(phase, done, total),
          signal,
          timeoutMs: this.config.jobTimeoutMs,
          settings,
          transport: this.transport,
          pidFile: runnerPidFile(this.config),
        },
      );
      const pinned = settings.cpus?.split(',').length;
      if (pinned !== undefined && p.options.threads > pinned) {
        raw.notes.push(`${p.options.threads} threads share the ${pinned} CPU(s) this agent pins runners to (RUNNER_CPUS=${settings.cpus})`);
      }
      return { output: { ...raw, layers: classifyLayers(modelPath, raw.layers) }, environment };
    } finally {
      release();
    }
  }

  /**
   * A job on a phone: the runner for the framework among the device's, run through its transport
   * (phone-job.ts). An int8 variant's fp32 reference runs here on the agent host, on the same
   * inputs: agreement is about numbers, not about the device.
   */
  private async runOnDevice(session: DeviceSession, p: BenchmarkJobPayload, attempt: number, jobSignal?: AbortSignal) {
    const runner = session.runners.find((r) => r.framework === p.framework);
    if (!runner) throw RunnerError.unavailable(p.framework, `${session.description.name} has no runner for it`);
    const progress = this.progressReporter(p.jobId, attempt);
    const { modelPath, weightsPath, referenceModelPath, inputFiles, release } = await this.fetchArtifacts(p, progress);
    const signal = jobSignal ? AbortSignal.any([jobSignal, session.gone.signal]) : session.gone.signal;
    try {
      const { output, environment } = await runOnPhone(
        { transport: session.transport, description: session.description },
        runner,
        {
          jobId: p.jobId,
          modelPath,
          ...(weightsPath ? { weightsPath } : {}),
          inputs: p.model.inputs,
          outputs: p.model.outputs,
          options: p.options,
          inputFiles,
          onProgress: (phase, done, total) => progress(phase, done, total),
          ...(referenceModelPath ? { agreement: (out, first) => this.hostAgreement(out, referenceModelPath, p, first, inputFiles) } : {}),
        },
        { ...this.config.phone, timeoutMs: this.config.jobTimeoutMs },
        {
          signal,
          onCooling: (cooling) => (session.cooling = cooling),
          onSnapshot: (s) => (session.lastSnapshot = s),
        },
      );
      return { output: { ...output, layers: classifyLayers(modelPath, output.layers) }, environment };
    } catch (err) {
      if (!session.gone.signal.aborted && session.lost && !(await stillOnline(session))) session.lost();
      if (session.gone.signal.aborted) throw RunnerError.failed((session.gone.signal.reason as Error).message);
      throw err;
    } finally {
      release();
    }
  }

  private async hostAgreement(
    output: RunnerOutput,
    referenceModelPath: string,
    p: BenchmarkJobPayload,
    first: FirstOutput[] | undefined,
    inputFiles: Record<string, string>,
  ) {
    const workspace = await this.transport.prepare(this.transport.serial, `reference-${p.jobId}`);
    try {
      await attachAgreement(
        output,
        referenceModelPath,
        { device: { transport: this.transport, workspace }, inputs: p.model.inputs, options: p.options, inputFiles },
        first,
      );
    } finally {
      await this.transport.cleanup(workspace);
    }
  }

  /** Progress is best-effort and throttled: losing a progress update costs nothing, blocking a run on it would. */
  private progressReporter(jobId: string, attempt: number) {
    let last = 0;
    let lastPhase = '';
    return (phase: JobProgress['phase'], done: number, total: number) => {
      const now = Date.now();
      if (phase === lastPhase && now - last < 500 && done < total) return;
      last = now;
      lastPhase = phase;
      this.api.jobProgress(jobId, { attempt, phase, done, total }).catch(() => undefined);
    };
  }
}
