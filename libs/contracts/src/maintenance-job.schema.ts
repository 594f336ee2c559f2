/**
 * Jobs on the maintenance queue (QueueName.Maintenance): their names, payloads and results. The
 * worker (apps/worker) schedules and processes them; a job name outside this enum is refused, not ignored.
 */
import { z } from 'zod';

export enum MaintenanceJobName {
  /** Re-adds jobs Postgres says are queued but their device queue no longer holds. */
  ReconcileJobs = 'reconcile-jobs',
}

/** A scheduled reconcile carries no data: it always scans the database's queued jobs. */
export const ReconcileJobsPayloadSchema = z.object({}).strict();
export type ReconcileJobsPayload = z.infer<typeof ReconcileJobsPayloadSchema>;

export const ReconcileJobsResultSchema = z
  .object({
    requeued: z.number().int().min(0),
    /** Queued conversions the conversion queue had lost, added again. */
    conversionsRequeued: z.number().int().min(0),
    /** Waiting jobs whose conversion had already ended, queued or failed with it. */
    waitingSettled: z.number().int().min(0),
    /** Suite nights whose runs had all ended, (re)queued for evaluation. */
    nightsQueued: z.number().int().min(0),
    /** Jobs marked running whose queue entry was gone (Redis data loss), queued again. */
    runningRequeued: z.number().int().min(0),
    /** Jobs failed because the queue gave up on them, or their device's agent stayed silent past JOB_ABANDON_AFTER_MS. */
    failed: z.number().int().min(0),
  })
  .strict();
export type ReconcileJobsResult = z.infer<typeof ReconcileJobsResultSchema>;
