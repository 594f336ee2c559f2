/**
 * Shapes of the API responses the CLI reads that have no schema in @farm/contracts (devices and
 * /compare have theirs there: DeviceViewSchema, CompareResponseSchema). Only the fields the CLI
 * uses are declared; zod drops the rest.
 */
import { z } from 'zod';
import { FrameworkVerdictSchema, JOB_STATUSES, RUN_STATUSES } from '@farm/contracts';

export const ErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const ArtifactSchema = z.object({
  id: z.string(),
  format: z.string(),
  variant: z.string(),
  fileName: z.string().nullable().optional(),
  sizeBytes: z.number().optional(),
  customOps: z
    .array(z.object({ op: z.string(), domain: z.string(), count: z.number() }))
    .nullable()
    .optional(),
  verdicts: z.array(FrameworkVerdictSchema).optional(),
});

export const ModelSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string().optional(),
  artifacts: z.array(ArtifactSchema),
});
export type Model = z.infer<typeof ModelSchema>;

export const UploadResponseSchema = z.object({
  model: z.object({ id: z.string(), name: z.string() }),
  artifactId: z.string(),
  deduplicated: z.boolean(),
});
export type UploadResponse = z.infer<typeof UploadResponseSchema>;

export const CreateRunResponseSchema = z.object({
  runId: z.string(),
  jobs: z.number(),
  queued: z.number(),
  /** int8 cells stored waiting for the worker to make their variant. */
  waiting: z.number().default(0),
  /** Targeted devices nothing was queued on (unauthorized, offline). */
  skippedDevices: z.array(z.object({ id: z.string(), name: z.string(), status: z.string() })).default([]),
});
export type CreateRunResponse = z.infer<typeof CreateRunResponseSchema>;

export const RunJobSchema = z.object({
  id: z.string(),
  device: z.object({ id: z.string(), name: z.string(), emulated: z.boolean().default(false) }),
  framework: z.string(),
  // id is null while the job waits for its int8 variant to be made.
  artifact: z.object({ id: z.string().nullable(), format: z.string(), variant: z.string() }),
  status: z.enum(JOB_STATUSES),
  progress: z.object({ phase: z.string(), done: z.number(), total: z.number() }).nullable(),
  error: z.object({ code: z.string(), message: z.string().nullable(), hint: z.string().optional() }).nullable(),
  // robustSpread is null for results stored before it was computed.
  summary: z.object({ medianMs: z.number(), p90Ms: z.number(), cv: z.number(), robustSpread: z.number().nullable().optional(), runs: z.number() }).nullable(),
});
export type RunJob = z.infer<typeof RunJobSchema>;

export const RunStatusSchema = z.object({
  id: z.string(),
  modelId: z.string(),
  status: z.enum(RUN_STATUSES),
  counts: z.record(z.string(), z.number()),
  progress: z.number(),
  jobs: z.array(RunJobSchema),
});
export type RunStatus = z.infer<typeof RunStatusSchema>;
