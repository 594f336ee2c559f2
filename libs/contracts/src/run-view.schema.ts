/**
 * POST /benchmarks, GET /benchmarks/:id, DELETE /benchmarks/:id and GET /benchmarks/:id/results: a
 * run and its jobs, each with what it takes to explain its state without a shell: how many times it
 * started, the last error, and, while it has not started, why it waits (its conversion, its device
 * offline, a retry after a failed attempt, or its place in the device's queue). GET /jobs/attention
 * lists the jobs that need a person across runs.
 */
import { z } from 'zod';
import { ENGINE_ERROR_CLASSES } from './engine-errors.js';
import { DEVICE_STATUSES } from './agent.schema.js';
import { JOB_STATUSES, RUN_STATUSES } from './job.schema.js';
import { FRAMEWORKS, MODEL_FORMATS } from './frameworks.js';
import { ARTIFACT_VARIANTS } from './job.schema.js';
import { ResultViewSchema } from './result-view.schema.js';

/** A cell left out because its artifact's verdict for the framework is not_runnable. */
export const SkippedCellSchema = z.object({ artifactId: z.string().uuid(), framework: z.enum(FRAMEWORKS), why: z.string() });
export type SkippedCell = z.infer<typeof SkippedCellSchema>;

export const CreateRunResponseSchema = z
  .object({
    runId: z.string().uuid(),
    jobs: z.number().int(),
    queued: z.number().int(),
    /** int8 cells stored waiting for the worker to make their variant. */
    waiting: z.number().int(),
    /** The conversions those cells wait for (poll GET /conversions/:id). */
    conversions: z.array(z.object({ id: z.string().uuid(), sourceArtifactId: z.string().uuid() })),
    /** Targeted devices nothing was queued on (unauthorized, offline). */
    skippedDevices: z.array(z.object({ id: z.string().uuid(), name: z.string(), status: z.enum(DEVICE_STATUSES) })),
    /** Cells of frameworks the request did not name that are known to fail on an artifact (its verdict), left out; "tryAnyway" queues them. */
    skippedCells: z.array(SkippedCellSchema),
  })
  .meta({ id: 'CreateRunResponse' });
export type CreateRunResponse = z.infer<typeof CreateRunResponseSchema>;

export const JOB_WAIT_REASONS = ['conversion', 'device_offline', 'retry', 'queue'] as const;
export type JobWaitReason = (typeof JOB_WAIT_REASONS)[number];

/** Why a job that has not ended is not running, or (device_offline) why a running one may be stalled. */
export const JobWaitSchema = z
  .object({
    reason: z.enum(JOB_WAIT_REASONS),
    message: z.string(),
    /** Jobs ahead of this one on its device (the one running counts): 0 means next. Null unless reason is queue or retry. */
    queuePosition: z.number().int().nonnegative().nullable(),
    deviceStatus: z.enum(DEVICE_STATUSES),
  })
  .meta({ id: 'JobWait' });
export type JobWait = z.infer<typeof JobWaitSchema>;

/** The last error: the engine's message verbatim; for engine failures its class and what to change. */
export const JobErrorSchema = z
  .object({ code: z.string(), message: z.string().nullable(), class: z.enum(ENGINE_ERROR_CLASSES).optional(), hint: z.string().optional() })
  .meta({ id: 'JobError' });

export const RunJobSchema = z
  .object({
    id: z.string().uuid(),
    device: z.object({ id: z.string().uuid(), name: z.string(), emulated: z.boolean() }),
    framework: z.string(),
    /** id is null while the job waits for its int8 variant to be made. */
    artifact: z.object({ id: z.string().uuid().nullable(), format: z.enum(MODEL_FORMATS), variant: z.enum(ARTIFACT_VARIANTS) }),
    conversionId: z.string().uuid().nullable(),
    options: z.record(z.string(), z.unknown()),
    status: z.enum(JOB_STATUSES),
    /** Starts the API has seen (a job re-run after its agent died counts again). */
    attempts: z.number().int(),
    /** The latest progress the agent reported. */
    progress: z.object({ phase: z.string(), done: z.number(), total: z.number() }).passthrough().nullable(),
    /** The last error: the reason of a failed job, or of the previous attempt of one being retried. Cleared by success. */
    error: z.union([JobErrorSchema, z.null()]),
    waiting: z.union([JobWaitSchema, z.null()]),
    queuedAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    /** robustSpread is null for results stored before it was computed. */
    summary: z.object({ medianMs: z.number(), p90Ms: z.number(), cv: z.number(), robustSpread: z.number().nullable(), runs: z.number().int() }).nullable(),
  })
  .meta({ id: 'RunJob' });
export type RunJob = z.infer<typeof RunJobSchema>;

export const RunStatusViewSchema = z
  .object({
    id: z.string().uuid(),
    modelId: z.string().uuid(),
    status: z.enum(RUN_STATUSES),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    /** Jobs per status. */
    counts: z.record(z.enum(JOB_STATUSES), z.number().int()),
    /** Share of jobs that ended (0-1). */
    progress: z.number(),
    jobs: z.array(RunJobSchema),
  })
  .meta({ id: 'RunStatus' });
export type RunStatusView = z.infer<typeof RunStatusViewSchema>;

export const CancelRunResponseSchema = z
  .object({
    runId: z.string().uuid(),
    /** Jobs cancelled by this request. */
    cancelled: z.number().int(),
    /** Jobs already on a device: they finish. */
    stillRunning: z.number().int(),
    status: z.enum(RUN_STATUSES),
  })
  .meta({ id: 'CancelRunResponse' });
export type CancelRunResponse = z.infer<typeof CancelRunResponseSchema>;

export const RunResultsSchema = z
  .object({
    runId: z.string().uuid(),
    status: z.enum(RUN_STATUSES),
    results: z.array(ResultViewSchema),
  })
  .meta({ id: 'RunResults' });
export type RunResults = z.infer<typeof RunResultsSchema>;

/** GET /jobs/attention: failed jobs and jobs that cannot move (device offline), newest first, with their reason. */
export const AttentionJobSchema = z
  .object({
    id: z.string().uuid(),
    runId: z.string().uuid(),
    device: z.object({ id: z.string().uuid(), name: z.string() }),
    framework: z.string(),
    status: z.enum(JOB_STATUSES),
    attempts: z.number().int().nonnegative(),
    error: z.union([JobErrorSchema, z.null()]),
    waiting: z.union([JobWaitSchema, z.null()]),
    queuedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'AttentionJob' });
export type AttentionJob = z.infer<typeof AttentionJobSchema>;
export const AttentionJobsSchema = z.object({ jobs: z.array(AttentionJobSchema), limit: z.number().int().positive() }).meta({ id: 'AttentionJobs' });
export type AttentionJobs = z.infer<typeof AttentionJobsSchema>;
