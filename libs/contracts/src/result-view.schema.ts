/**
 * GET /results/:jobId (and each entry of GET /benchmarks/:id/results): a result's statistics, raw
 * latencies, environment (as the agent sent it) and per-layer timings.
 */
import { z } from 'zod';
import { INPUT_SOURCES } from './input-spec.schema.js';
import { LAYER_BASES } from './layer-sum.js';
import { OP_CLASSES } from './op-class.js';
import { MODEL_FORMATS } from './frameworks.js';
import { ARTIFACT_VARIANTS } from './job.schema.js';
import { MedianCiSchema } from './compare.schema.js';
import { EnvironmentSchema } from './result.schema.js';

export const ResultViewSchema = z
  .object({
    jobId: z.string().uuid(),
    runId: z.string().uuid(),
    device: z.object({ id: z.string().uuid(), name: z.string(), platform: z.string(), emulated: z.boolean() }),
    /** From an emulated device: the timings are emulation, never device performance. */
    emulated: z.boolean(),
    framework: z.string(),
    frameworkVersion: z.string(),
    artifact: z.object({
      id: z.string().uuid(),
      format: z.enum(MODEL_FORMATS),
      variant: z.enum(ARTIFACT_VARIANTS),
      sha256: z.string(),
      modelId: z.string().uuid(),
      /** The model version the artifact belongs to (uploads to a model's slug add versions). */
      version: z.number().int(),
    }),
    options: z.record(z.string(), z.unknown()),
    attempt: z.number().int(),
    threads: z.number().int(),
    stats: z.object({
      runs: z.number().int(),
      medianMs: z.number(),
      meanMs: z.number(),
      p90Ms: z.number(),
      p99Ms: z.number(),
      minMs: z.number(),
      maxMs: z.number(),
      stdMs: z.number(),
      cv: z.number(),
      madMs: z.number(),
      iqrMs: z.number(),
      /** IQR / median. */
      robustSpread: z.number(),
      outliers: z.object({ low: z.number().int(), high: z.number().int(), rule: z.string() }),
      medianCi: MedianCiSchema,
    }),
    /** The per-layer sum against the end-to-end median; basis "shares" means layer times are proportions only (note says why). */
    layerSum: z.object({ sumMs: z.number().nullable(), ratio: z.number().nullable(), basis: z.enum(LAYER_BASES).nullable(), note: z.string().nullable() }),
    loadMs: z.number(),
    firstInferenceMs: z.number(),
    peakMemoryBytes: z.number().nullable(),
    outputDigest: z.string(),
    latenciesMs: z.array(z.number()),
    environment: EnvironmentSchema.passthrough(),
    notes: z.array(z.string()),
    /** Per graph input: synthetic, or the kind of value the request gave (options.inputs); null for results stored before this was recorded. */
    inputSources: z.record(z.string(), z.enum(INPUT_SOURCES)).nullable(),
    /** int8 variants: agreement of the outputs with the fp32 reference. */
    agreement: z
      .object({
        cosine: z.number(),
        maxAbsError: z.number(),
        meanAbsError: z.number(),
        elements: z.number().int(),
        referenceFramework: z.string(),
        syntheticCalibration: z.boolean().optional(),
      })
      .nullable(),
    profiledRuns: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string(),
    layers: z.array(z.object({ name: z.string(), opType: z.string(), opClass: z.enum(OP_CLASSES), timeMs: z.number(), share: z.number() })),
  })
  .meta({ id: 'Result' });
export type ResultView = z.infer<typeof ResultViewSchema>;
