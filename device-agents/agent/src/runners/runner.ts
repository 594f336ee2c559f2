/**
 * The contract every framework runner implements, on the desktop and on phones: a runner is an
 * engine adapter. It builds the engine's invocation from the job's options, runs it through the
 * device's transport, and turns the engine's output into a RunnerOutput. It knows nothing about
 * queues or the API; the agent decides when and where it runs.
 */
import { DomainError, ENGINE_ERROR_CODES } from '@farm/contracts';
import type {
  BenchmarkOptions,
  Delegate,
  EngineErrorClass,
  ErrorCode,
  Framework,
  FrameworkAvailability,
  ModelFormat,
  RunnerOutput,
  TensorSpec,
} from '@farm/contracts';
import { classifyEngineFailure, type Engine, type EngineFailureContext } from './engine-errors.js';
import type { Transport, TransportKind, Workspace } from '../transports/transport.js';

export type RunPhase = 'load' | 'warmup' | 'timed' | 'profile';

/** One output of the first inference as real values (dequantized when the engine returns integers). */
export interface FirstOutput {
  name: string;
  values: Float32Array;
}

/**
 * The device a runner works on: its transport and a workspace prepared for this job. Runners
 * reach the device only through this (push, exec, pull); they never start a process themselves.
 */
export interface DeviceTarget {
  transport: Transport;
  workspace: Workspace;
}

export interface RunRequest {
  device: DeviceTarget;
  modelPath: string;
  /** The second file of a two-file model (NCNN's .bin beside modelPath's .param). */
  weightsPath?: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  options: BenchmarkOptions;
  /** Local paths of the uploaded tensors options.inputs names (kind "file"), by input name; the agent fetched them. */
  inputFiles?: Record<string, string>;
  onProgress?: (phase: RunPhase, done: number, total: number) => void;
  /**
   * Called once with the first inference's outputs, in the runner's output order. Only the runner
   * host asks for them (to compare an int8 variant with its fp32 reference); copying them costs
   * nothing inside a timed run.
   */
  onFirstOutputs?: (outputs: FirstOutput[]) => void;
}

export interface Runner {
  readonly framework: Framework;
  readonly formats: readonly ModelFormat[];
  /** The transports this runner can work through. */
  readonly transports: readonly TransportKind[];
  /** null = not usable on this device; the reason is logged, never thrown, so one broken engine does not hide the others. */
  probe(device: DeviceTarget): Promise<FrameworkAvailability | null>;
  run(req: RunRequest): Promise<RunnerOutput>;
}

export type RunnerErrorCode = Extract<
  ErrorCode,
  | 'RUNNER_MODEL_REJECTED'
  | 'RUNNER_INVALID_INPUT'
  | 'RUNNER_OUT_OF_MEMORY'
  | 'RUNNER_CRASHED'
  | 'RUNNER_TIMEOUT'
  | 'RUNNER_FAILED'
  | 'RUNNER_UNAVAILABLE'
  | 'DYNAMIC_SHAPE_UNRESOLVED'
  | 'VALIDATION_FAILED'
  | 'INPUT_SPEC_MISMATCH'
>;

/**
 * A runner failure the job processor can act on: permanent failures (the framework refused the
 * model or its inputs, memory ran out, the request cannot be satisfied) must not be retried; only
 * a crash, a timeout or a failure around the engine (a fetch) may succeed on another attempt.
 * Engine failures carry their class and a hint in details (engine-errors.ts).
 */
export class RunnerError extends DomainError {
  constructor(
    code: RunnerErrorCode,
    message: string,
    readonly permanent: boolean,
    details?: unknown,
  ) {
    super(code, message, details);
    this.name = 'RunnerError';
  }

  get errorClass(): EngineErrorClass | undefined {
    return (this.details as { errorClass?: EngineErrorClass } | undefined)?.errorClass;
  }

  get hint(): string | undefined {
    return (this.details as { hint?: string } | undefined)?.hint;
  }

  /**
   * An engine's failure, classified by that engine's table (engine-errors.ts). The engine's own
   * message is kept verbatim: it is what a user needs to fix the model or the request.
   */
  static engine(engine: Engine, message: string, ctx: EngineFailureContext, details?: Record<string, unknown>): RunnerError {
    const f = classifyEngineFailure(engine, message, ctx);
    return new RunnerError(ENGINE_ERROR_CODES[f.errorClass] as RunnerErrorCode, message, !f.retryable, {
      ...details,
      engine,
      errorClass: f.errorClass,
      ...(f.hint ? { hint: f.hint } : {}),
    });
  }

  /** The job's clock ran out: retried, as a loaded host may finish next time. */
  static timeout(message: string): RunnerError {
    return new RunnerError('RUNNER_TIMEOUT', message, false, { errorClass: 'timeout', timeout: true });
  }

  /** A failure around the engine (a fetch, an unreadable report): transient. */
  static failed(message: string, details?: unknown): RunnerError {
    return new RunnerError('RUNNER_FAILED', message, false, details);
  }

  static unavailable(framework: Framework, reason: string): RunnerError {
    // Retrying on the same host cannot install a missing engine.
    return new RunnerError('RUNNER_UNAVAILABLE', `${framework} is not usable on this host: ${reason}`, true, { framework });
  }

  /** Wraps anything thrown below a runner: domain errors from request checks are permanent; anything else is classified as the runner process's failure. */
  static from(err: unknown): RunnerError {
    if (err instanceof RunnerError) return err;
    if (err instanceof DomainError) {
      const code = err.code as RunnerErrorCode;
      return new RunnerError(code, err.message, true, err.details);
    }
    const message = err instanceof Error ? err.message : String(err);
    return RunnerError.engine('runner-process', message, { stage: 'run' });
  }
}

/**
 * Refuses a delegate this runner cannot honour (permanently: another attempt runs the same code).
 * A runner that ignored it would report a CPU result under a GPU label.
 */
export function checkDelegate(framework: Framework, runner: string, delegate: Delegate | undefined, honoured: readonly Delegate[]): void {
  if (delegate === undefined || honoured.includes(delegate)) return;
  throw new RunnerError(
    'VALIDATION_FAILED',
    `${framework}: the ${runner} cannot use the "${delegate}" delegate (it runs ${honoured.join(' or ') || 'no delegate'}); ask for it on an Android device, or leave "delegate" out`,
    true,
  );
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Collects garbage now, when the runner host was started with --expose-gc (run-isolated.ts), so a
 * collection owed by loading and warm-up does not land inside the timed runs. A no-op elsewhere.
 */
export function collectGarbageBeforeTiming(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Elapsed milliseconds since a process.hrtime.bigint() reading, at nanosecond resolution. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
