/**
 * Postgres is the source of truth, the queue only moves work: this service re-adds queued jobs
 * the queue no longer knows (a Redis restart without AOF, an enqueue that failed after the commit).
 * The deterministic job id makes a re-add of a job the queue does know a no-op. It runs as the
 * maintenance queue's scheduled reconcile-jobs job (MaintenanceProcessor), one run per interval
 * for the whole farm; errors propagate so that run is marked failed.
 */
import { Injectable, Logger } from '@nestjs/common';
import { BenchmarksRepository } from '../benchmarks/benchmarks.repository.js';
import { BenchmarkQueueProducer } from '../queue/benchmark-queue.producer.js';
import { jobPayload } from '../benchmarks/job-payload.js';

@Injectable()
export class JobReconciler {
  private readonly logger = new Logger(JobReconciler.name);

  constructor(
    private readonly jobs: BenchmarksRepository,
    private readonly producer: BenchmarkQueueProducer,
  ) {}

  /** Returns how many jobs it re-added. */
  async reconcile(): Promise<number> {
    let readded = 0;
    for (const job of await this.jobs.queuedJobs(500)) {
      if (await this.producer.exists(job.deviceId, job.id)) continue;
      await this.producer.enqueue(jobPayload(job));
      readded++;
    }
    if (readded) this.logger.warn(`re-queued ${readded} job(s) the queue had lost`);
    return readded;
  }
}
