/**
 * The one place the API adds benchmark jobs to the queue. It owns attempts, backoff, clean-up and
 * the deterministic job id (the database job id), so a job re-added by the reconciler or a
 * retried request never runs twice. One queue per device keeps one benchmark at a time on it.
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { BENCHMARK_JOB_NAME, deviceQueueName, type BenchmarkJobPayload } from '@farm/contracts';
import { createQueueFactory, type QueueFactory, type QueueLike } from '@farm/queue';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

@Injectable()
export class BenchmarkQueueProducer implements OnModuleDestroy {
  private readonly logger = new Logger(BenchmarkQueueProducer.name);
  private readonly factory: QueueFactory;
  private readonly queues = new Map<string, QueueLike<BenchmarkJobPayload>>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.factory = createQueueFactory(config.queue);
  }

  get backend(): string {
    return this.factory.kind;
  }

  private queue(deviceId: string): QueueLike<BenchmarkJobPayload> {
    const name = deviceQueueName(deviceId);
    let q = this.queues.get(name);
    if (!q) {
      // bullmq directly, not @nestjs/bullmq: these queues are created per device at run time, which a static Nest module registration does not fit.
      q = this.factory.createQueue<BenchmarkJobPayload>(name);
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue(payload: BenchmarkJobPayload): Promise<void> {
    await this.queue(payload.deviceId).add(BENCHMARK_JOB_NAME, payload, {
      jobId: payload.jobId,
      attempts: this.config.jobAttempts,
      backoff: { type: 'exponential', delay: this.config.jobBackoffMs },
      // Postgres holds the result; the queue keeps only a short tail for debugging.
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 500 },
    });
  }

  /** True when the queue still knows the job (waiting, delayed, active, or kept after it ended). */
  async exists(deviceId: string, jobId: string): Promise<boolean> {
    return (await this.queue(deviceId).getJob(jobId)) !== undefined;
  }

  /** What the queue says of a job: its state and, once failed, why; null when it no longer knows it. */
  async state(deviceId: string, jobId: string): Promise<{ state: string; failedReason?: string } | null> {
    const job = await this.queue(deviceId).getJob(jobId);
    if (!job) return null;
    return { state: await job.getState(), failedReason: job.failedReason };
  }

  /** Removes a job that has not started; returns false when it is already running or gone. */
  async removeIfWaiting(deviceId: string, jobId: string): Promise<boolean> {
    const job = await this.queue(deviceId).getJob(jobId);
    if (!job) return true;
    const state = await job.getState();
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') {
      await job.remove();
      return true;
    }
    return false;
  }

  async ping(): Promise<void> {
    const q = this.queue('health');
    await q.waitUntilReady();
    await q.getJobCounts('waiting');
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.logger.log('queues closed');
  }
}
