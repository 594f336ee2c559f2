/**
 * The one contract every native runner program speaks (opencv_runner, int8-runner, and the
 * on-device runners to come), on a desktop or a phone. The agent builds the argument vector, the
 * program answers with one JSON report on stdout, or one JSON error line on stderr and a non-zero
 * exit. Declared once here so the C++ programs' documentation, the agent's binary-runner base and
 * any other reader parse the same shapes.
 *
 * Invocation (every flag takes one value; no shell is ever involved):
 *   <runner> --model PATH [--weights PATH] --input NAME:D0xD1x...:FILE [--input ...] [--output FILE]
 *            --threads N --warmup N --runs N --profile-runs N
 *   <runner> --version            prints { runner, version, isa? } and exits 0
 * `--weights` is the second file of a two-file model (NCNN: --model the .param, --weights the .bin);
 * runners of one-file formats refuse it as an unknown argument.
 * `--input` FILE holds the tensor's raw little-endian bytes in the model's dtype for that input;
 * NAME may contain ':' (ONNX names such as "input:0"), so the two fields after it are split from the
 * right. `--output` receives the first inference's outputs' raw bytes, concatenated in the order
 * of the report's `outputs`.
 */
import { z } from 'zod';
import { RunnerLayerTimingSchema } from './result.schema.js';

export const NATIVE_RUNNER_DTYPES = ['float32', 'int32', 'int8', 'uint8'] as const;

export const NativeRunnerVersionSchema = z.object({
  /** The program: "opencv_runner", "int8-runner", ... */
  runner: z.string().min(1),
  /** The engine's version (OpenCV's version string, the int8 runtime's own version). */
  version: z.string().min(1),
  /** Which kernels the build carries, where the engine has a choice (int8-runner: avx2, neon, scalar). */
  isa: z.string().optional(),
});
export type NativeRunnerVersion = z.infer<typeof NativeRunnerVersionSchema>;

export const NativeRunnerReportSchema = NativeRunnerVersionSchema.extend({
  /** Threads the engine actually used (may differ from the request: the caller notes it). */
  threads: z.number().int().positive(),
  loadMs: z.number().nonnegative(),
  firstInferenceMs: z.number().nonnegative(),
  latenciesMs: z.array(z.number().nonnegative()).min(1),
  profiledRuns: z.number().int().nonnegative(),
  /**
   * One entry per layer in execution order; timeMs is the layer's median over the profiled runs,
   * samplesMs its time in each profiled run, in run order (empty with no profiled run).
   */
  layers: z.array(RunnerLayerTimingSchema),
  /** The runner process's peak resident memory. */
  peakMemoryBytes: z.number().int().nonnegative(),
  outputs: z.array(z.object({ name: z.string(), dtype: z.string(), shape: z.array(z.number().int().nonnegative()) })),
});
export type NativeRunnerReport = z.infer<typeof NativeRunnerReportSchema>;

/**
 * Error codes, by what the caller can do about them: a request the runner refuses is permanent, a
 * model it cannot run is permanent (the same model fails the same way on every attempt), anything
 * else (I/O, an internal error) may pass on another attempt.
 */
export const NATIVE_RUNNER_REQUEST_ERRORS = ['bad_arguments', 'unsupported_option'] as const;
export const NATIVE_RUNNER_MODEL_ERRORS = ['model_rejected', 'bad_plan', 'unsupported_op', 'unsupported_attr', 'shape_mismatch', 'quant_mismatch'] as const;
export const NATIVE_RUNNER_OTHER_ERRORS = ['io_error', 'internal'] as const;
export const NATIVE_RUNNER_ERROR_CODES = [...NATIVE_RUNNER_REQUEST_ERRORS, ...NATIVE_RUNNER_MODEL_ERRORS, ...NATIVE_RUNNER_OTHER_ERRORS] as const;
export type NativeRunnerErrorCode = (typeof NATIVE_RUNNER_ERROR_CODES)[number];

/** The error line on stderr. Unknown codes still parse (a newer runner), and are treated as transient. */
export const NativeRunnerErrorSchema = z.object({ error: z.object({ code: z.string().min(1), message: z.string() }) });
export type NativeRunnerError = z.infer<typeof NativeRunnerErrorSchema>;

/** Exit statuses: let a reader tell outcomes apart even when the error line was lost. */
export const NATIVE_RUNNER_EXIT = { ok: 0, failed: 1, modelRejected: 2, badRequest: 3 } as const;

export type NativeRunnerErrorKind = 'request' | 'model' | 'transient';

export function nativeRunnerErrorKind(code: string): NativeRunnerErrorKind {
  if ((NATIVE_RUNNER_REQUEST_ERRORS as readonly string[]).includes(code)) return 'request';
  if ((NATIVE_RUNNER_MODEL_ERRORS as readonly string[]).includes(code)) return 'model';
  return 'transient';
}

/** The `--input` value for one tensor. */
export function nativeRunnerInputArg(name: string, dims: readonly number[], file: string): string {
  return `${name}:${dims.join('x')}:${file}`;
}
