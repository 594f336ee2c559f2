import { z } from 'zod';
import type { Framework } from './frameworks.js';
import { InputSpecsSchema } from './input-spec.schema.js';

/**
 * Options of one benchmark cell. Every field is an enum or a bounded number: jobs are data,
 * and agents turn them into argument vectors they build themselves.
 */
export const LIMITS = {
  threads: { min: 1, max: 64 },
  warmupRuns: { min: 0, max: 1000 },
  timedRuns: { min: 1, max: 10000 },
  profileRuns: { min: 0, max: 200 },
  dim: { min: 1, max: 16384 },
  rank: { max: 8 },
} as const;

/**
 * Where a phone runner places the graph: a TFLite delegate (benchmark_model's --use_xnnpack,
 * --use_gpu, --use_nnapi; 'cpu' = TFLite's built-in kernels, XNNPACK off) or, for ONNX Runtime,
 * the execution provider of the same name (onnxruntime_perf_test -e). Unset: each runner's default.
 */
export const DELEGATES = ['cpu', 'xnnpack', 'gpu', 'nnapi'] as const;
export type Delegate = (typeof DELEGATES)[number];

/** The delegates each framework can be asked for; a framework not listed takes none. */
const FRAMEWORK_DELEGATES: Partial<Record<Framework, readonly Delegate[]>> = {
  tflite: DELEGATES,
  // onnxruntime_perf_test has no GPU execution provider for Android; NNAPI reaches the GPU/NPU.
  onnxruntime: ['cpu', 'xnnpack', 'nnapi'],
};

/** Why a framework cannot take a delegate (a message a user can act on), or null when it can. */
export function delegateProblem(framework: Framework, delegate: Delegate | undefined): string | null {
  if (delegate === undefined) return null;
  const allowed = FRAMEWORK_DELEGATES[framework];
  if (!allowed) return `"delegate" applies to tflite and onnxruntime only; remove it for ${framework}, or put it in an option set of its own`;
  if (!allowed.includes(delegate)) return `${framework} has no "${delegate}" delegate; choose one of ${allowed.join(', ')}`;
  return null;
}

/**
 * Core ML's MLComputeUnits: which processors Core ML may place the model on. Unset: Core ML's
 * default (all). Only coreml reads it; other frameworks refuse it, so a cell never silently
 * ignores an option it was asked for.
 */
export const COMPUTE_UNITS = ['all', 'cpuOnly', 'cpuAndGPU', 'cpuAndNeuralEngine'] as const;
export type ComputeUnits = (typeof COMPUTE_UNITS)[number];

/** Why a framework cannot take computeUnits, or null when it can. */
export function computeUnitsProblem(framework: Framework, computeUnits: ComputeUnits | undefined): string | null {
  if (computeUnits === undefined || framework === 'coreml') return null;
  return `"computeUnits" applies to coreml only; remove it for ${framework}, or put it in an option set of its own`;
}

const inputName = z.string().min(1).max(256);
const dim = z.number().int().min(LIMITS.dim.min).max(LIMITS.dim.max);

export const BenchmarkOptionsSchema = z
  .object({
    threads: z.number().int().min(LIMITS.threads.min).max(LIMITS.threads.max).default(1),
    warmupRuns: z.number().int().min(LIMITS.warmupRuns.min).max(LIMITS.warmupRuns.max).default(5),
    timedRuns: z.number().int().min(LIMITS.timedRuns.min).max(LIMITS.timedRuns.max).default(50),
    /** Extra runs with the framework's profiler on; kept apart from timed runs so profiling never skews latency. */
    profileRuns: z.number().int().min(LIMITS.profileRuns.min).max(LIMITS.profileRuns.max).default(10),
    /** Concrete shapes for inputs whose declared shape has dynamic dims. */
    inputShapes: z.record(inputName, z.array(dim).max(LIMITS.rank.max)).optional(),
    /** Values for named inputs (input-spec.schema.ts); inputs not named get seeded synthetic values. */
    inputs: InputSpecsSchema.optional(),
    /** Phones: the TFLite delegate or ONNX Runtime execution provider (see DELEGATES); unset keeps each runner's default. */
    delegate: z.enum(DELEGATES).optional(),
    /** Core ML only (see COMPUTE_UNITS). */
    computeUnits: z.enum(COMPUTE_UNITS).optional(),
    /** Seed for the synthetic inputs, so two runs feed the same bytes. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
  })
  .strict();
export type BenchmarkOptions = z.infer<typeof BenchmarkOptionsSchema>;
export type BenchmarkOptionsInput = z.input<typeof BenchmarkOptionsSchema>;
