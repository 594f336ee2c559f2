/**
 * Postgres is the source of truth, the queues only move work: this service re-adds queued jobs
 * and queued conversions the queues no longer know (a Redis restart without AOF, an enqueue that
 * failed after the commit), and settles jobs still waiting for a conversion that has ended (a
 * worker that died between the two writes, or a conversion job the queue itself failed). Deterministic job ids make a re-add of a job the
 * queue does know a no-op. It runs as the maintenance queue's scheduled reconcile-jobs job in the
 * worker, one run per interval for the whole farm; errors propagate so that run is marked failed.
 */
import { Injectable, Logger } from '@nestjs/common';
import type { ReconcileJobsResult } from '@farm/contracts';
import { BenchmarksRepository } from '@farm/api/benchmarks/benchmarks.repository';
import { BenchmarkQueueProducer } from '@farm/api/queue/benchmark-queue.producer';
import { ConversionQueueProducer } from '@farm/api/queue/conversion-queue.producer';
import { ConversionsRepository } from '@farm/api/conversions/conversions.repository';
import { JobLifecycleService } from '@farm/api/jobs/job-lifecycle.service';
import { SuitesRepository } from '@farm/api/suites/suites.repository';
import { SuiteQueueProducer } from '@farm/api/queue/suite-queue.producer';

const BATCH = 500;

@Injectable()
export class JobReconciler {
  private readonly logger = new Logger(JobReconciler.name);

  constructor(
    private readonly jobs: BenchmarksRepository,
    private readonly producer: BenchmarkQueueProducer,
    private readonly conversions: ConversionsRepository,
    private readonly conversionProducer: ConversionQueueProducer,
    private readonly lifecycle: JobLifecycleService,
    private readonly suites: SuitesRepository,
    private readonly suiteQueue: SuiteQueueProducer,
  ) {}

  async reconcile(): Promise<ReconcileJobsResult> {
    const lost = [];
    for (const job of await this.jobs.queuedJobs(BATCH)) if (!(await this.producer.exists(job.deviceId, job.id))) lost.push(job);
    const requeued = await this.lifecycle.enqueue(lost);

    let conversionsRequeued = 0;
    for (const c of await this.conversions.unfinished(BATCH)) {
      const job = await this.conversionProducer.find(c.id, c.generation);
      if (!job) {
        await this.conversionProducer.enqueue(c.id, c.generation);
        conversionsRequeued++;
      } else if (job.state === 'failed') {
        // The queue gave up on it without the processor recording why (a worker that died too often mid-job).
        await this.conversions.recordFailure(
          c.id,
          c.generation,
          'CONVERSION_CRASHED',
          `the conversion queue failed the job: ${job.failedReason ?? 'no reason given'}`,
          true,
        );
      }
    }

    let waitingSettled = 0;
    for (const id of await this.jobs.endedConversionsWithWaitingJobs(BATCH)) waitingSettled += await this.lifecycle.settleWaiting(id);

    // Nights whose runs all ended but whose evaluation was never queued (or was lost): the job id is the night's, so a queued one is not doubled.
    const nights = await this.suites.nightsAwaitingEvaluation(BATCH);
    for (const id of nights) await this.suiteQueue.evaluate(id);
    const nightsQueued = nights.length;

    if (requeued || conversionsRequeued || waitingSettled)
      this.logger.warn(`re-queued ${requeued} job(s) and ${conversionsRequeued} conversion(s) the queues had lost; settled ${waitingSettled} waiting job(s)`);
    return { requeued, conversionsRequeued, waitingSettled, nightsQueued };
  }
}
