/**
 * Postgres is the source of truth, the queue only moves work: this loop re-adds queued jobs the
 * queue no longer knows (a Redis restart without AOF, an enqueue that failed after the commit).
 * The deterministic job id makes a re-add of a job the queue does know a no-op.
 */
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { BenchmarksRepository } from '../benchmarks/benchmarks.repository.js';
import { BenchmarkQueueProducer } from '../queue/benchmark-queue.producer.js';
import { jobPayload } from '../benchmarks/job-payload.js';

@Injectable()
export class JobReconciler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobReconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly jobs: BenchmarksRepository,
    private readonly producer: BenchmarkQueueProducer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.reconcile(), this.config.reconcileIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async reconcile(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let readded = 0;
    try {
      for (const job of await this.jobs.queuedJobs(500)) {
        if (await this.producer.exists(job.deviceId, job.id)) continue;
        await this.producer.enqueue(jobPayload(job));
        readded++;
      }
      if (readded) this.logger.warn(`re-queued ${readded} job(s) the queue had lost`);
    } catch (e) {
      this.logger.error(`reconcile failed: ${(e as Error).message}`);
    } finally {
      this.running = false;
    }
    return readded;
  }
}
