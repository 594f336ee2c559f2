import { z } from 'zod';
import { LAYER_BASES } from './layer-sum.js';
import { OP_CLASSES } from './op-class.js';
import { DeviceRunEnvironmentSchema } from './device-state.schema.js';
import { ENGINE_ERROR_CLASSES } from './engine-errors.js';
import { INPUT_SOURCES } from './input-spec.schema.js';

/** Most per-run samples one layer may carry (the profiled runs of a job are far fewer). */
export const MAX_LAYER_SAMPLES = 10_000;

/** The largest 4-byte float: per-run layer samples are stored as such (real[]), and Postgres refuses a larger one. */
export const FLOAT4_MAX = 3.4028234663852886e38;

/** One layer's per-run samples in ms, each storable as a 4-byte float (a smaller nonzero one is stored as 0). */
export const LayerSamplesSchema = z
  .array(z.number().nonnegative().max(FLOAT4_MAX, 'a per-run layer sample must fit a 4-byte float (at most 3.4e38 ms)'))
  .max(MAX_LAYER_SAMPLES);

/**
 * One layer as the framework's own profiler named it, with its time per inference (the median
 * over the profiled runs) and, where the profiler gives each run apart, that layer's time in every
 * profiled run, in run order (sample i of every layer comes from the same run). Per-layer
 * intervals are computed from these samples; a layer without them gets none.
 */
export const RunnerLayerTimingSchema = z.object({
  name: z.string(),
  opType: z.string(),
  timeMs: z.number().nonnegative(),
  samplesMs: LayerSamplesSchema.optional(),
});
export type RunnerLayerTiming = z.infer<typeof RunnerLayerTimingSchema>;

export const LayerTimingSchema = RunnerLayerTimingSchema.extend({
  opClass: z.enum(OP_CLASSES),
});
export type LayerTiming = z.infer<typeof LayerTimingSchema>;

/** What a runner measured. Every number here comes from a run that happened. */
export const RunnerOutputSchema = z.object({
  framework: z.string(),
  frameworkVersion: z.string(),
  threads: z.number().int().positive(),
  loadMs: z.number().nonnegative(),
  firstInferenceMs: z.number().nonnegative(),
  latenciesMs: z.array(z.number().nonnegative()).min(1),
  /** Peak resident set of the process that ran the model (null when the transport cannot read it). */
  peakMemoryBytes: z.number().int().nonnegative().nullable(),
  /** sha256 over the raw bytes of all outputs of the first inference. */
  outputDigest: z.string(),
  layers: z.array(RunnerLayerTimingSchema),
  /** How many profiled runs the layer times are taken over (0 when the framework has no profiler). */
  profiledRuns: z.number().int().nonnegative(),
  /**
   * The runner's own word on its layer times: "shares" when its profiler is known to report
   * proportions only (the API also switches to shares when the layer sum strays from the median).
   */
  layerBasis: z.object({ basis: z.enum(LAYER_BASES), note: z.string().max(500).optional() }).optional(),
  notes: z.array(z.string()).default([]),
  /** Per model input, where its values came from: "synthetic" (seeded random), or the kind of options.inputs entry given. */
  inputSources: z.record(z.string(), z.enum(INPUT_SOURCES)).optional(),
  /** Set for quantized variants run against their fp32 reference. */
  agreement: z
    .object({
      cosine: z.number(),
      maxAbsError: z.number(),
      meanAbsError: z.number(),
      elements: z.number().int().nonnegative(),
      referenceFramework: z.string(),
      syntheticCalibration: z.boolean().optional(),
    })
    .nullable()
    .optional(),
});
export type RunnerOutput = z.infer<typeof RunnerOutputSchema>;

export const EnvironmentSchema = z.object({
  os: z.string(),
  osRelease: z.string(),
  arch: z.string(),
  cpuModel: z.string(),
  /** null when the device does not say (never guessed). */
  cores: z.number().int().positive().nullable(),
  cpuGovernor: z.string().nullable(),
  cpuFreqMHz: z.number().nullable(),
  temperatureC: z.number().nullable(),
  /** CPUs the runner was pinned to (a list such as "1" or "0,2-3"); null when the scheduler placed it. */
  cpuAffinity: z.string().max(200).nullable().optional(),
  agentVersion: z.string(),
  runtimeVersion: z.string(),
  /** Phones: the device's state before and after the run, and the cooldown wait before it. */
  device: DeviceRunEnvironmentSchema.optional(),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

/** Sent by an agent when a job finished; the API stores it once, keyed by jobId. */
export const ResultSubmissionSchema = z.object({
  jobId: z.string().uuid(),
  /** The device the job ran on, as its payload named it; the API refuses a result whose device is not the job's. */
  deviceId: z.string().uuid().optional(),
  attempt: z.number().int().positive(),
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime(),
  output: RunnerOutputSchema.extend({ layers: z.array(LayerTimingSchema) }).superRefine((o, ctx) => {
    // Sample i of every layer is one run: a ragged set could not be summed per run into fused rows.
    const counts = new Set(o.layers.map((l) => l.samplesMs?.length ?? 0));
    if (counts.size > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['layers'],
        message: `every layer must carry the same number of per-run samples (one per profiled run), or none; got counts ${[...counts].sort((a, b) => a - b).join(', ')}`,
      });
    }
  }),
  environment: EnvironmentSchema,
});
export type ResultSubmission = z.infer<typeof ResultSubmissionSchema>;

export const JobFailureSchema = z.object({
  jobId: z.string().uuid(),
  attempt: z.number().int().positive(),
  /** permanent: retrying cannot help (the framework refused the model); otherwise the queue retries. */
  permanent: z.boolean(),
  code: z.string(),
  message: z.string().max(8000),
  final: z.boolean(),
  /** An engine failure's class (engine-errors.ts); absent for failures around the engine. */
  errorClass: z.enum(ENGINE_ERROR_CLASSES).optional(),
  /** What the user can change so the next request runs ("pass options.inputs.sr ..."); the engine's message stays in `message`. */
  hint: z.string().max(1000).optional(),
});
export type JobFailure = z.infer<typeof JobFailureSchema>;

export const JobStartedSchema = z.object({
  jobId: z.string().uuid(),
  attempt: z.number().int().positive(),
  startedAt: z.string().datetime(),
});
export type JobStarted = z.infer<typeof JobStartedSchema>;
