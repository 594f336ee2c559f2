/**
 * GET /benchmarks/:id: a run and every job in it, each with what it takes to explain its state
 * without a shell: how many times it started, the last error, and, while it has not started,
 * why it waits (its conversion, its device offline, a retry after a failed attempt, or its place
 * in the device's queue). GET /jobs/attention lists the jobs that need a person across runs.
 */
import { z } from 'zod';
import { ARTIFACT_VARIANTS, JOB_STATUSES, RUN_STATUSES } from './job.schema.js';
import { DEVICE_STATUSES } from './agent.schema.js';

export const JOB_WAIT_REASONS = ['conversion', 'device_offline', 'retry', 'queue'] as const;
export type JobWaitReason = (typeof JOB_WAIT_REASONS)[number];

export const JobErrorSchema = z.object({ code: z.string(), message: z.string() });

/** Why a job that has not ended is not running, or (device_offline) why a running one may be stalled. */
export const JobWaitSchema = z.object({
  reason: z.enum(JOB_WAIT_REASONS),
  message: z.string(),
  /** Jobs ahead of this one on its device (the one running counts): 0 means next. Null unless reason is queue or retry. */
  queuePosition: z.number().int().nonnegative().nullable(),
  deviceStatus: z.enum(DEVICE_STATUSES),
});
export type JobWait = z.infer<typeof JobWaitSchema>;

export const RunJobViewSchema = z.object({
  id: z.string().uuid(),
  device: z.object({ id: z.string().uuid(), name: z.string(), emulated: z.boolean() }),
  framework: z.string(),
  artifact: z.object({ id: z.string().uuid().nullable(), format: z.string(), variant: z.enum(ARTIFACT_VARIANTS) }),
  conversionId: z.string().uuid().nullable(),
  options: z.unknown(),
  status: z.enum(JOB_STATUSES),
  /** Starts the API has seen (a job re-run after its agent died counts again). */
  attempts: z.number().int().nonnegative(),
  progress: z.unknown().nullable(),
  /** The last error: the reason of a failed job, or of the previous attempt of one being retried. Cleared by success. */
  error: JobErrorSchema.nullable(),
  waiting: JobWaitSchema.nullable(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  summary: z.object({ medianMs: z.number(), p90Ms: z.number(), cv: z.number(), robustSpread: z.number().nullable(), runs: z.number().int() }).nullable(),
});
export type RunJobView = z.infer<typeof RunJobViewSchema>;

export const RunViewSchema = z.object({
  id: z.string().uuid(),
  modelId: z.string().uuid(),
  status: z.enum(RUN_STATUSES),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  counts: z.record(z.enum(JOB_STATUSES), z.number().int().nonnegative()),
  progress: z.number().min(0).max(1),
  jobs: z.array(RunJobViewSchema),
});
export type RunView = z.infer<typeof RunViewSchema>;

/** GET /jobs/attention: failed jobs and jobs that cannot move (device offline), newest first, with their reason. */
export const AttentionJobSchema = z.object({
  id: z.string().uuid(),
  runId: z.string().uuid(),
  device: z.object({ id: z.string().uuid(), name: z.string() }),
  framework: z.string(),
  status: z.enum(JOB_STATUSES),
  attempts: z.number().int().nonnegative(),
  error: JobErrorSchema.nullable(),
  waiting: JobWaitSchema.nullable(),
  queuedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type AttentionJob = z.infer<typeof AttentionJobSchema>;
export const AttentionJobsSchema = z.object({ jobs: z.array(AttentionJobSchema), limit: z.number().int().positive() });
export type AttentionJobs = z.infer<typeof AttentionJobsSchema>;
