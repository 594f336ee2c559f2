import { z } from 'zod';
import { FRAMEWORKS, PLATFORMS } from './frameworks.js';
import { BenchmarkOptionsSchema, computeUnitsProblem, delegateProblem } from './benchmark-options.schema.js';
import { DeviceLiveStateSchema } from './device-state.schema.js';

/** Which devices: these ids, or every usable device of a platform (one of the two). Shared with suites. */
export const TargetsSchema = z
  .object({
    deviceIds: z.array(z.string().uuid()).min(1).max(256).optional(),
    platform: z.enum(PLATFORMS).optional(),
  })
  .strict()
  .refine((t) => !!t.deviceIds !== !!t.platform, { message: 'give exactly one of targets.deviceIds or targets.platform' });

/** Default: every framework the chosen devices report that can read one of the artifacts. */
export const FrameworksSchema = z.array(z.enum(FRAMEWORKS)).min(1).max(FRAMEWORKS.length);
/** One option set, or several (one cell per set). */
export const OptionSetsSchema = z.union([BenchmarkOptionsSchema, z.array(BenchmarkOptionsSchema).min(1).max(16)]);

/**
 * POST /benchmarks: a model, targets, frameworks and option sets. The API expands it into one
 * job per (device, framework, artifact, option set) cell.
 */
export const BenchmarkRequestSchema = z
  .object({
    modelId: z.string().uuid(),
    /** Which artifacts of the model to run; default: every artifact some requested framework can read. */
    artifactIds: z.array(z.string().uuid()).min(1).max(16).optional(),
    targets: TargetsSchema,
    frameworks: FrameworksSchema.optional(),
    options: OptionSetsSchema.optional(),
    /**
     * Also benchmark the int8 variant of each fp32 ONNX artifact (made with the project's
     * quantizer, or reused): fp32 and int8 run side by side, and int8 results report their
     * agreement with fp32.
     */
    /**
     * Queue cells whose verdict (GET /models/:id) is not_runnable anyway: by default POST
     * /benchmarks refuses them with 422 FRAMEWORK_CANNOT_RUN naming the op and the engine.
     */
    tryAnyway: z.boolean().optional(),
    quantize: z
      .object({
        calibration: z.enum(['minmax', 'percentile']).default('percentile'),
        /** Uploaded calibration data (POST /calibration-sets); default: seeded synthetic inputs. */
        calibrationSetId: z.string().uuid().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((req, ctx) => {
    // Only explicit frameworks can be checked here; the API's matrix leaves out implicit ones that cannot take the delegate.
    const sets = req.options === undefined ? [] : Array.isArray(req.options) ? req.options : [req.options];
    for (const [i, o] of sets.entries()) {
      for (const f of req.frameworks ?? []) {
        const at = (field: string) => (Array.isArray(req.options) ? ['options', i, field] : ['options', field]);
        const problem = delegateProblem(f, o.delegate);
        if (problem) ctx.addIssue({ code: 'custom', path: at('delegate'), message: problem });
        const unitsProblem = computeUnitsProblem(f, o.computeUnits);
        if (unitsProblem) ctx.addIssue({ code: 'custom', path: at('computeUnits'), message: unitsProblem });
      }
    }
  })
  .meta({ id: 'BenchmarkRequest' });
export type BenchmarkRequest = z.infer<typeof BenchmarkRequestSchema>;
export type BenchmarkRequestInput = z.input<typeof BenchmarkRequestSchema>;

export const JobProgressSchema = z
  .object({
    attempt: z.number().int().positive(),
    phase: z.enum(['download', 'load', 'warmup', 'timed', 'profile']),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  })
  .meta({ id: 'JobProgress' });
export type JobProgress = z.infer<typeof JobProgressSchema>;

export const HeartbeatSchema = z
  .object({
    agentId: z.string().uuid(),
    busyDeviceIds: z.array(z.string().uuid()).default([]),
    /** Live state per device (cooling, latest temperature and battery); devices not listed keep theirs. */
    devices: z.array(DeviceLiveStateSchema).max(256).default([]),
  })
  .meta({ id: 'Heartbeat' });
export type Heartbeat = z.infer<typeof HeartbeatSchema>;
