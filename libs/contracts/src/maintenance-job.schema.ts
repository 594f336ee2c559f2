/**
 * Jobs on the maintenance queue (QueueName.Maintenance): their names, payloads and results. The
 * API schedules them and processes them; a job name outside this enum is refused, not ignored.
 */
import { z } from 'zod';

export enum MaintenanceJobName {
  /** Re-adds jobs Postgres says are queued but their device queue no longer holds. */
  ReconcileJobs = 'reconcile-jobs',
}

/** A scheduled reconcile carries no data: it always scans the database's queued jobs. */
export const ReconcileJobsPayloadSchema = z.object({}).strict();
export type ReconcileJobsPayload = z.infer<typeof ReconcileJobsPayloadSchema>;

export const ReconcileJobsResultSchema = z.object({ requeued: z.number().int().min(0) }).strict();
export type ReconcileJobsResult = z.infer<typeof ReconcileJobsResultSchema>;
