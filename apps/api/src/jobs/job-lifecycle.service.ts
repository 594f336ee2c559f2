/**
 * The life of a benchmark job, in one place for both processes: the API (agents report start,
 * failure and results; runs are created) and the worker (conversions release or fail the jobs
 * waiting for them; the reconciler re-queues what the queue lost). Every transition recomputes the
 * run's status from its jobs in the same transaction (BenchmarksRepository.inRuns).
 */
import { Injectable, Logger } from '@nestjs/common';
import { DomainError, type JobFailure, type ResultSubmission } from '@farm/contracts';
import { BenchmarksRepository, type JobRow } from '../benchmarks/benchmarks.repository.js';
import { jobPayload } from '../benchmarks/job-payload.js';
import { BenchmarkQueueProducer } from '../queue/benchmark-queue.producer.js';
import { ResultsService } from '../results/results.service.js';
import { ConversionsRepository } from '../conversions/conversions.repository.js';
import { SuitesRepository } from '../suites/suites.repository.js';
import { SuiteQueueProducer } from '../queue/suite-queue.producer.js';

@Injectable()
export class JobLifecycleService {
  private readonly logger = new Logger(JobLifecycleService.name);

  constructor(
    private readonly jobs: BenchmarksRepository,
    private readonly conversions: ConversionsRepository,
    private readonly producer: BenchmarkQueueProducer,
    private readonly results: ResultsService,
    private readonly suites: SuitesRepository,
    private readonly suiteQueue: SuiteQueueProducer,
  ) {}

  /**
   * Puts queued jobs on their device queues; returns how many the queue took. Postgres already
   * says they are queued, so one the queue refused is left to the reconciler, not lost.
   */
  async enqueue(jobs: Parameters<typeof jobPayload>[0][]): Promise<number> {
    let queued = 0;
    for (const job of jobs) {
      try {
        await this.producer.enqueue(jobPayload(job));
        queued++;
      } catch (e) {
        this.logger.warn(`job ${job.id} stored but not queued yet (${(e as Error).message}); the reconciler will queue it`);
      }
    }
    return queued;
  }

  /** 409 when the job was cancelled or already has a result: the agent then skips it. */
  async started(job: JobRow, startedAt: Date): Promise<void> {
    const updated = await this.jobs.markStarted(job, startedAt);
    if (updated === 0) throw new DomainError('JOB_STATE_CONFLICT', `job ${job.id} is ${job.status}; do not run it`, { status: job.status });
  }

  async failed(job: JobRow, f: JobFailure): Promise<void> {
    // The job's row and its run's status commit together (BenchmarksRepository.inRuns).
    await this.jobs.recordFailure(job, f, f.permanent || f.final);
    await this.afterRunChange(job.runId);
  }

  async ingest(sub: ResultSubmission, job: JobRow) {
    const outcome = await this.results.ingest(sub, job);
    await this.afterRunChange(job.runId);
    return outcome;
  }

  /**
   * When the last run of a suite night ends, the worker evaluates the night. A failed enqueue is
   * not the agent's problem: the worker's reconciler finds nights left unevaluated.
   */
  private async afterRunChange(runId: string): Promise<void> {
    const nightId = await this.suites.nightReadyForEvaluation(runId);
    if (!nightId) return;
    try {
      await this.suiteQueue.evaluate(nightId);
    } catch (e) {
      this.logger.warn(`night ${nightId} is ready but its evaluation was not queued (${(e as Error).message}); the reconciler will queue it`);
    }
  }

  /**
   * Settles the jobs waiting for a conversion that has ended: queued on its variant when it
   * succeeded, failed with its error when it failed; nothing while it is still queued or running.
   * Idempotent (only waiting jobs move), so the worker, the request that raced it and the
   * reconciler may all call it. Returns how many jobs it moved.
   */
  async settleWaiting(conversionId: string): Promise<number> {
    const c = await this.conversions.find(conversionId);
    if (!c) return 0;
    if (c.status === 'succeeded' && c.artifactId) {
      const released = await this.jobs.releaseWaiting(c.id, c.artifactId);
      await this.enqueue(released);
      return released.length;
    }
    if (c.status === 'failed') {
      const message = `the int8 variant could not be made (conversion ${c.id}): ${c.errorMessage ?? 'no reason recorded'}`;
      return (await this.jobs.failWaiting(c.id, c.errorCode ?? 'CONVERSION_FAILED', message)).length;
    }
    return 0;
  }
}
