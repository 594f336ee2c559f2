/** GET /models, GET /models/:id and POST /models: a model and its artifacts as the API shows them (storage paths kept out). */
import { z } from 'zod';
import { MODEL_FORMATS } from './frameworks.js';
import { ARTIFACT_VARIANTS } from './job.schema.js';
import { TensorSpecSchema } from './tensor.schema.js';
import { pageSchema } from './api-common.schema.js';
import { FrameworkVerdictSchema } from './model-verdict.schema.js';

export const ArtifactViewSchema = z
  .object({
    id: z.string().uuid(),
    sha256: z.string(),
    format: z.enum(MODEL_FORMATS),
    variant: z.enum(ARTIFACT_VARIANTS),
    /** The model version this artifact belongs to; an int8 variant keeps its source's. */
    version: z.number().int(),
    /** The fp32 artifact an int8 variant was quantized from. */
    derivedFromId: z.string().uuid().nullable(),
    fileName: z.string(),
    sizeBytes: z.number().int(),
    /** The second file of a two-file model (NCNN's .bin). */
    weights: z.object({ sha256: z.string(), sizeBytes: z.number().int() }).nullable(),
    inputs: z.array(TensorSpecSchema),
    outputs: z.array(TensorSpecSchema),
    /** Op type -> count in the graph. */
    opHistogram: z.record(z.string(), z.number()),
    nodeCount: z.number().int(),
    parameterCount: z.number(),
    /** What inspection found (e.g. depthwise convs, a quantization report for int8 variants). */
    metadata: z.record(z.string(), z.unknown()),
    /** Custom and non-standard ops found at upload (TFLite custom codes, ONNX ops outside ai.onnx and ai.onnx.ml); null: inspected before this was recorded. */
    customOps: z.array(z.object({ op: z.string(), domain: z.string(), count: z.number().int() })).nullable(),
    /** Per framework that reads the artifact: runnable, not runnable and why, or unknown. */
    verdicts: z.array(FrameworkVerdictSchema),
    createdAt: z.string(),
  })
  .meta({ id: 'Artifact' });
export type ArtifactView = z.infer<typeof ArtifactViewSchema>;

export const ModelViewSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    /** The model's handle for versioned uploads (null for models uploaded without one). */
    slug: z.string().nullable(),
    /** The latest version among its artifacts. */
    version: z.number().int(),
    createdAt: z.string(),
    artifacts: z.array(ArtifactViewSchema),
  })
  .meta({ id: 'Model' });
export type ModelView = z.infer<typeof ModelViewSchema>;

export const ModelPageSchema = pageSchema(ModelViewSchema, 'ModelPage');

/** POST /models: 201 for a new artifact, 200 when these bytes were stored already (deduplicated). */
export const UploadResponseSchema = z
  .object({
    model: ModelViewSchema,
    artifactId: z.string().uuid(),
    /** The model version the uploaded artifact belongs to. */
    version: z.number().int(),
    deduplicated: z.boolean(),
  })
  .meta({ id: 'UploadResponse' });
export type UploadResponse = z.infer<typeof UploadResponseSchema>;

/** POST /models/:id/quantize body. */
export const QuantizeRequestSchema = z
  .object({
    artifactId: z.string().uuid().optional().meta({ description: "the fp32 ONNX artifact to quantize; default: the model's one" }),
    calibration: z.enum(['minmax', 'percentile']).default('percentile'),
    calibrationSetId: z
      .string()
      .uuid()
      .optional()
      .meta({ description: 'uploaded calibration data (POST /calibration-sets); default: seeded synthetic inputs' }),
  })
  .strict()
  .meta({ id: 'QuantizeRequest' });
export type QuantizeRequest = z.infer<typeof QuantizeRequestSchema>;
