/**
 * The maintenance queue's worker: unpacks a job, validates its payload and calls one service.
 * Failures are rethrown so the job is marked failed (the next scheduled run tries again); a job
 * name or payload this version does not know is failed as unrecoverable, never skipped.
 */
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { MaintenanceJobName, QueueName, ReconcileJobsPayloadSchema, type ReconcileJobsResult } from '@farm/contracts';
import { UnrecoverableError, type Job } from '@farm/queue';
import { JobReconciler } from '../reconciler/job-reconciler.service.js';
import { collectJobHandlers, dispatchJob, HandlesJob, type JobHandler } from '../queue/job-handlers.js';

@Processor(QueueName.Maintenance, { concurrency: 1 })
export class MaintenanceProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private readonly handlers: ReadonlyMap<string, JobHandler>;

  constructor(private readonly reconciler: JobReconciler) {
    super();
    this.handlers = collectJobHandlers(this, QueueName.Maintenance, Object.values(MaintenanceJobName));
  }

  process(job: Job): Promise<unknown> {
    return dispatchJob(this.handlers, QueueName.Maintenance, job);
  }

  @HandlesJob(MaintenanceJobName.ReconcileJobs)
  async reconcileJobs(data: unknown): Promise<ReconcileJobsResult> {
    const payload = ReconcileJobsPayloadSchema.safeParse(data);
    if (!payload.success) throw new UnrecoverableError(`bad ${MaintenanceJobName.ReconcileJobs} payload: ${payload.error.message}`);
    return this.reconciler.reconcile();
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error(`maintenance job ${job?.name ?? '?'} (${job?.id ?? '?'}) failed: ${error.message}`);
  }

  /** Lets a running job finish and stops taking new ones before the database goes away. */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }
}
