/**
 * Postgres is the source of truth, the queues only move work: this service walks every unfinished
 * job, a page at a time, and makes the queue agree. A queued job the queue no longer knows (a
 * Redis restart without AOF, an enqueue that failed after the commit) is added again; a running
 * job whose queue entry is gone goes back to queued and is added again; a job the queue gave up on
 * (stalled too often: an agent that died mid-job each time) is failed with the queue's reason; and
 * the unfinished jobs of a device whose agent has been silent past JOB_ABANDON_AFTER_MS are failed
 * as DEVICE_ABANDONED, so their runs end. It also re-adds queued conversions the queue lost and
 * settles jobs still waiting for a conversion that has ended. Deterministic job ids make a re-add
 * of a job the queue does know a no-op. It runs as the maintenance queue's scheduled
 * reconcile-jobs job in the worker, one run per interval for the whole farm; errors propagate so
 * that run is marked failed.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ReconcileJobsResult } from '@farm/contracts';
import { APP_CONFIG, type AppConfig } from '@farm/api/config/app-config';
import { BenchmarksRepository, type JobRow } from '@farm/api/benchmarks/benchmarks.repository';
import { DevicesRepository } from '@farm/api/devices/devices.repository';
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
    private readonly devices: DevicesRepository,
    private readonly producer: BenchmarkQueueProducer,
    private readonly conversions: ConversionsRepository,
    private readonly conversionProducer: ConversionQueueProducer,
    private readonly lifecycle: JobLifecycleService,
    private readonly suites: SuitesRepository,
    private readonly suiteQueue: SuiteQueueProducer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async reconcile(): Promise<ReconcileJobsResult> {
    const silentSince = new Map<string, Date>();
    for (const d of await this.devices.silentSince(new Date(Date.now() - this.config.abandonAfterMs))) silentSince.set(d.id, d.lastHeartbeatAt);
    const abandoned: JobRow[] = [];

    let requeued = 0;
    for await (const page of this.pages('queued')) {
      const lost = [];
      for (const job of page) {
        if (silentSince.has(job.deviceId)) abandoned.push(job);
        else if (!(await this.producer.exists(job.deviceId, job.id))) lost.push(job);
      }
      requeued += await this.lifecycle.enqueue(lost);
    }

    let runningRequeued = 0;
    let failed = 0;
    for await (const page of this.pages('running')) {
      for (const job of page) {
        if (silentSince.has(job.deviceId)) {
          abandoned.push(job);
          continue;
        }
        const q = await this.producer.state(job.deviceId, job.id);
        if (q === null) {
          const message = 'the queue lost this running job (its entry is gone, e.g. Redis lost its data); queued again';
          if (await this.jobs.requeueRunning(job, 'QUEUE_ENTRY_LOST', message)) runningRequeued += await this.lifecycle.enqueue([job]);
        } else if (q.state === 'failed') {
          // Its agent died mid-job more often than the queue allows, so no failure report will come.
          failed += await this.jobs.failUnfinished([job], 'QUEUE_GAVE_UP', `the queue gave up on this job: ${q.failedReason ?? 'no reason given'}`);
        }
      }
    }

    for (const [deviceId, since] of silentSince) {
      const jobs = abandoned.filter((j) => j.deviceId === deviceId);
      if (jobs.length === 0) continue;
      const message = `device ${jobs[0]!.device.name} has not been heard from since ${since.toISOString()} (more than JOB_ABANDON_AFTER_MS = ${this.config.abandonAfterMs} ms); its unfinished jobs were failed so their runs can end: run them again once the device is back`;
      failed += await this.jobs.failUnfinished(jobs, 'DEVICE_ABANDONED', message);
      for (const j of jobs) await this.producer.removeIfWaiting(j.deviceId, j.id).catch(() => false);
    }

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

    if (requeued || conversionsRequeued || waitingSettled || runningRequeued || failed)
      this.logger.warn(
        `re-queued ${requeued} queued and ${runningRequeued} running job(s) and ${conversionsRequeued} conversion(s) the queues had lost; failed ${failed} job(s); settled ${waitingSettled} waiting job(s)`,
      );
    return { requeued, conversionsRequeued, waitingSettled, nightsQueued, runningRequeued, failed };
  }

  /** Every unfinished job with this status, BATCH at a time in (queued_at, id) order, so none hides behind others. */
  private async *pages(status: 'queued' | 'running'): AsyncGenerator<JobRow[]> {
    let after: { queuedAt: Date; id: string } | null = null;
    for (;;) {
      const page = await this.jobs.unfinishedJobsAfter(status, after, BATCH);
      if (page.length === 0) return;
      yield page;
      const last = page[page.length - 1]!;
      after = { queuedAt: last.queuedAt, id: last.id };
    }
  }
}
