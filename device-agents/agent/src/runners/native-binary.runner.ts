/**
 * The base of every runner whose engine is one of our native runner programs (opencv_runner,
 * int8-runner, and the on-device runners to come). They all speak one contract
 * (libs/contracts/src/native-runner.schema.ts), so the invocation, the pushes, the error channel
 * and the report are handled here once; a subclass only says which model files to push and how
 * to read the engine's version and outputs. Everything goes through the device's transport, so
 * the same runner works on this desktop and, with a build for the device's ABI, on a phone.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  nativeRunnerErrorKind,
  nativeRunnerInputArg,
  NativeRunnerErrorSchema,
  NativeRunnerReportSchema,
  NativeRunnerVersionSchema,
  type Framework,
  type FrameworkAvailability,
  type ModelFormat,
  type NativeRunnerReport,
  type NativeRunnerVersion,
  type RunnerOutput,
} from '@farm/contracts';
import type { ExecResult, TransportKind } from '../transports/transport.js';
import { buildInputs, byteView } from './input-synthesis.js';
import type { Engine, EngineFailureContext } from './engine-errors.js';
import { errorMessage, RunnerError, type DeviceTarget, type Runner, type RunRequest } from './runner.js';

/** One input tensor as the runner program takes it: raw bytes in the model's dtype. */
export interface NativeInput {
  name: string;
  dims: readonly number[];
  bytes: Uint8Array;
}

export interface NativeInvocation {
  device: DeviceTarget;
  /** The model file to pass as --model, already pushed by the subclass (pushFile). */
  remoteModel: string;
  /** A two-file model's second file, passed as --weights, already pushed. */
  remoteWeights?: string;
  inputs: NativeInput[];
  /** For classifying a failure: the declared inputs and the options that said which were given. */
  request: Pick<RunRequest, 'inputs' | 'options'>;
  threads: number;
  warmupRuns: number;
  timedRuns: number;
  profileRuns: number;
  onProgress?: RunRequest['onProgress'];
}

export interface NativeRunResult {
  report: NativeRunnerReport;
  /** The first inference's outputs, concatenated in the report's `outputs` order. */
  outputBytes: Uint8Array;
}

export abstract class NativeBinaryRunner implements Runner {
  abstract readonly framework: Framework;
  abstract readonly formats: readonly ModelFormat[];
  /** Our programs are plain executables: any transport that can push and exec runs them. */
  readonly transports: readonly TransportKind[] = ['local', 'adb'];
  /** The program's name in messages ("opencv_runner"). */
  protected abstract readonly program: string;
  /** Whose table classifies the program's failures (engine-errors.ts). */
  protected abstract readonly engine: Engine;
  /** What an operator does when the binary is missing. */
  protected abstract readonly buildHint: string;

  constructor(protected readonly binary: string) {}

  abstract run(req: RunRequest): Promise<RunnerOutput>;

  /** The version the API shows: with the kernels the build carries when the program says ("0.1.0 (avx2)"). */
  protected versionOf(v: NativeRunnerVersion): string {
    return v.isa ? `${v.version} (${v.isa})` : v.version;
  }

  async probe(device: DeviceTarget): Promise<FrameworkAvailability | null> {
    try {
      const bin = await this.pushBinary(device);
      // Starting the binary proves it (and its shared libraries) load on this device.
      const r = await device.transport.exec(device.workspace, [bin, '--version'], { timeoutMs: 10_000 });
      if (r.exitCode !== 0) throw new Error(`--version ${describeEnd(r)}; stderr: ${tail(r.stderr)}`);
      return { framework: this.framework, version: this.versionOf(NativeRunnerVersionSchema.parse(JSON.parse(lastLine(r.stdout)))) };
    } catch (err) {
      // A missing binary's error already says how to build it.
      const hint = err instanceof RunnerError ? '' : `; ${this.buildHint}`;
      console.warn(`${this.framework}: not usable here (${this.binary}): ${errorMessage(err)}${hint}`);
      return null;
    }
  }

  /** The common result fields from the contract's report; the runner adds its notes. */
  protected output(report: NativeRunnerReport, outputBytes: Uint8Array, notes: string[]): RunnerOutput {
    return {
      framework: this.framework,
      frameworkVersion: this.versionOf(report),
      threads: report.threads,
      loadMs: report.loadMs,
      firstInferenceMs: report.firstInferenceMs,
      latenciesMs: report.latenciesMs,
      peakMemoryBytes: report.peakMemoryBytes,
      outputDigest: createHash('sha256').update(outputBytes).digest('hex'),
      layers: report.layers,
      profiledRuns: report.profiledRuns,
      notes,
    };
  }

  /**
   * The job's synthetic inputs as float32 bytes, for engines whose blobs are fed as float32 only
   * (OpenCV DNN, NCNN); Float32Array bytes are little-endian on every host this runs on.
   */
  protected float32Inputs(req: RunRequest, engine: string): NativeInput[] {
    return buildInputs(req.inputs, req.options, req.inputFiles).map((input) => {
      if (input.dtype !== 'float32') {
        throw new RunnerError('VALIDATION_FAILED', `${this.framework}: input "${input.name}" is ${input.dtype}; ${engine} blobs are fed as float32 only`, true);
      }
      return { name: input.name, dims: input.shape, bytes: byteView(input.data) };
    });
  }

  /** The invocation fields that come straight from the job's options. */
  protected runSettings(req: RunRequest): Pick<NativeInvocation, 'device' | 'request' | 'threads' | 'warmupRuns' | 'timedRuns' | 'profileRuns' | 'onProgress'> {
    const { options } = req;
    return {
      device: req.device,
      request: req,
      threads: options.threads,
      warmupRuns: options.warmupRuns,
      timedRuns: options.timedRuns,
      profileRuns: options.profileRuns,
      onProgress: req.onProgress,
    };
  }

  /** Pushes a host file to the device's cache; returns its path there. */
  protected async pushFile(device: DeviceTarget, localPath: string): Promise<string> {
    return (await device.transport.push(device.workspace, localPath)).remotePath;
  }

  private async pushBinary(device: DeviceTarget): Promise<string> {
    try {
      return await this.pushFile(device, this.binary);
    } catch (err) {
      throw RunnerError.unavailable(this.framework, `${this.binary} is missing (${errorMessage(err)}); ${this.buildHint}`);
    }
  }

  /** Pushes the binary and the inputs, runs the contract's invocation, and returns the parsed report and outputs. */
  protected async invoke(inv: NativeInvocation): Promise<NativeRunResult> {
    const { device } = inv;
    const bin = await this.pushBinary(device);
    const local = mkdtempSync(join(tmpdir(), 'farm-native-'));
    try {
      const argv = [bin, '--model', inv.remoteModel];
      if (inv.remoteWeights) argv.push('--weights', inv.remoteWeights);
      for (const [i, input] of inv.inputs.entries()) {
        const file = join(local, `input-${i}.bin`);
        writeFileSync(file, input.bytes);
        argv.push('--input', nativeRunnerInputArg(input.name, input.dims, await this.pushFile(device, file)));
      }
      argv.push(
        '--output',
        'outputs.bin',
        '--threads',
        String(inv.threads),
        '--warmup',
        String(inv.warmupRuns),
        '--runs',
        String(inv.timedRuns),
        '--profile-runs',
        String(inv.profileRuns),
      );
      // The program reports nothing until it is done, so progress is only the phase boundaries.
      inv.onProgress?.('load', 0, 1);
      const report = this.parse(await device.transport.exec(device.workspace, argv), inv.request);
      inv.onProgress?.('load', 1, 1);
      inv.onProgress?.('timed', inv.timedRuns, inv.timedRuns);
      if (inv.profileRuns > 0) inv.onProgress?.('profile', inv.profileRuns, inv.profileRuns);
      const outFile = join(local, 'outputs.bin');
      await device.transport.pull(device.workspace, 'outputs.bin', outFile);
      return { report, outputBytes: readFileSync(outFile) };
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  }

  /** The report on stdout, or the RunnerError the program's stderr error line calls for. */
  private parse(r: ExecResult, request: NativeInvocation['request']): NativeRunnerReport {
    if (r.timedOut) throw RunnerError.timeout(`${this.program} timed out and was killed on the device`);
    if (r.exitCode !== 0) {
      // No report: a crash, which a bad_alloc under the memory cap makes an out-of-memory failure.
      const ctx = { stage: 'run' as const, inputs: request.inputs, options: request.options };
      throw (
        reportedError(this.engine, this.program, r.stderr, ctx) ??
        RunnerError.engine(this.engine, `${this.program} ${describeEnd(r)} and no error report; stderr: ${tail(r.stderr)}`, ctx)
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(lastLine(r.stdout));
    } catch {
      throw RunnerError.failed(`${this.program} exited 0 without a JSON report; stdout: ${tail(r.stdout)}`);
    }
    const report = NativeRunnerReportSchema.safeParse(parsed);
    if (!report.success) throw RunnerError.failed(`${this.program} printed an unexpected report: ${report.error.message}`);
    return report.data;
  }
}

/**
 * The RunnerError a runner program's error line (the contract's last stderr line) calls for, or
 * null when there is none (a crash). The engine's own message is kept verbatim for a rejected
 * model: it is what a user needs to fix it. Errors of any other kind are made by `other`.
 */
export function reportedError(engine: Engine, program: string, stderr: string, ctx: EngineFailureContext): RunnerError | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(lastLine(stderr));
  } catch {
    return null;
  }
  const e = NativeRunnerErrorSchema.safeParse(parsed);
  if (!e.success) return null;
  const { code, message } = e.data.error;
  const kind = nativeRunnerErrorKind(code);
  if (kind === 'request') return new RunnerError('VALIDATION_FAILED', `${program}: ${code}: ${message}`, true);
  const text = kind === 'model' ? (code === 'model_rejected' ? message.trim() : `${code}: ${message}`) : `${program}: ${code}: ${message.trim()}`;
  return RunnerError.engine(engine, text, { ...ctx, nativeKind: kind, nativeCode: code });
}

export function describeEnd(r: ExecResult): string {
  if (r.timedOut) return 'timed out';
  if (r.aborted) return 'was cancelled';
  return r.signal ? `ended with signal ${r.signal}` : `ended with exit ${r.exitCode}`;
}

export function lastLine(s: string): string {
  return s.trim().split('\n').pop() ?? '';
}

export function tail(s: string, max = 2000): string {
  const t = s.trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}
