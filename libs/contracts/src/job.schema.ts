import { z } from 'zod';
import { FRAMEWORKS, MODEL_FORMATS } from './frameworks.js';
import { BenchmarkOptionsSchema } from './benchmark-options.schema.js';
import { TensorSpecSchema } from './tensor.schema.js';

/** One queue per device: a device runs one benchmark at a time, so its queue has one consumer with concurrency 1. */
export function deviceQueueName(deviceId: string): string {
  return `device.${deviceId}`;
}
export const BENCHMARK_JOB_NAME = 'benchmark' as const;

export const ARTIFACT_VARIANTS = ['original', 'int8_qdq'] as const;

export const ModelArtifactRefSchema = z.object({
  artifactId: z.string(),
  variant: z.enum(ARTIFACT_VARIANTS).default('original'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  format: z.enum(MODEL_FORMATS),
  sizeBytes: z.number().int().positive(),
  /** The second file of a two-file model (NCNN's .bin beside the .param), fetched by its own sha256. */
  weights: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), sizeBytes: z.number().int().nonnegative() }).optional(),
  inputs: z.array(TensorSpecSchema),
  outputs: z.array(TensorSpecSchema),
});
export type ModelArtifactRef = z.infer<typeof ModelArtifactRefSchema>;

/** The payload the API puts on a device queue; validated again by the agent before it runs anything. */
export const BenchmarkJobPayloadSchema = z.object({
  jobId: z.string().uuid(),
  runId: z.string().uuid(),
  deviceId: z.string().min(1),
  framework: z.enum(FRAMEWORKS),
  options: BenchmarkOptionsSchema,
  model: ModelArtifactRefSchema,
  /**
   * For a quantized variant: the fp32 artifact it came from. The agent runs it once on the same
   * seeded inputs and reports how closely the int8 outputs agree (cosine, max abs error).
   */
  reference: ModelArtifactRefSchema.optional(),
});
export type BenchmarkJobPayload = z.infer<typeof BenchmarkJobPayloadSchema>;

/** waiting: an int8 cell held until the conversion making its variant ends (see conversion.schema.ts). */
export const JOB_STATUSES = ['waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
