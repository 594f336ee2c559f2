/**
 * The base of runners around an operator-provided benchmark tool that runs on the device itself
 * (TFLite's benchmark_model, ONNX Runtime's onnxruntime_perf_test): the tool's host path is agent
 * configuration; it is pushed through the transport like any file (cached by sha256, so a phone
 * receives it once) and run with an argument vector this runner builds from the job's options.
 * No string from a job ever reaches a device shell: argv elements only, quoted by the transport.
 *
 * Unlike our own native programs (native-binary.runner.ts) these tools speak no common contract:
 * each subclass builds its own argv and reads the tool's own text output.
 */
import { basename } from 'node:path';
import type { Framework, FrameworkAvailability, ModelFormat, RunnerOutput } from '@farm/contracts';
import type { ExecResult, TransportKind } from '../transports/transport.js';
import { describeEnd, tail } from './native-binary.runner.js';
import type { Engine } from './engine-errors.js';
import { errorMessage, RunnerError, type DeviceTarget, type Runner, type RunRequest } from './runner.js';

export abstract class DeviceToolRunner implements Runner {
  abstract readonly framework: Framework;
  abstract readonly formats: readonly ModelFormat[];
  /** Android builds of the tools: they run on a phone, not on this desktop. */
  readonly transports: readonly TransportKind[] = ['adb'];
  /** The tool's name in messages ("benchmark_model"). */
  protected abstract readonly program: string;
  /** Whose table classifies the tool's failures (engine-errors.ts). */
  protected abstract readonly engine: Engine;
  /** The argv after the binary that makes the tool print its usage and exit. */
  protected abstract readonly helpArgs: readonly string[];
  /** A word every build's usage text contains (a flag name), proving the binary is this tool. */
  protected abstract readonly usageMarker: string;

  constructor(protected readonly binary: string) {}

  abstract run(req: RunRequest): Promise<RunnerOutput>;

  /**
   * Pushes the tool and asks it for its usage: that proves the binary starts on this device (right
   * ABI, its shared libraries present). Neither tool prints a version, so the version shown is the
   * tool's name and the start of its sha256, which names the exact build the operator provided.
   */
  async probe(device: DeviceTarget): Promise<FrameworkAvailability | null> {
    try {
      const tool = await this.pushTool(device);
      // Both tools exit non-zero after printing their usage; what matters is that it printed.
      const r = await device.transport.exec(device.workspace, [tool, ...this.helpArgs], { timeoutMs: 15_000 });
      const text = `${r.stdout}\n${r.stderr}`;
      if (r.timedOut || r.signal || !text.includes(this.usageMarker)) {
        throw new Error(`${this.helpArgs.join(' ')} ${describeEnd(r)} without its usage text; output: ${tail(text, 500)}`);
      }
      return { framework: this.framework, version: this.versionOf(tool) };
    } catch (err) {
      console.warn(`${this.framework}: ${this.program} not usable on ${device.workspace.serial} (${this.binary}): ${errorMessage(err)}`);
      return null;
    }
  }

  /** "benchmark_model 3f2a9c1b0d4e": the tool and the start of the pushed file's sha256. */
  protected versionOf(remoteTool: string): string {
    return `${this.program} ${basename(remoteTool).slice(0, 12)}`;
  }

  protected async pushTool(device: DeviceTarget): Promise<string> {
    try {
      return (await device.transport.push(device.workspace, this.binary)).remotePath;
    } catch (err) {
      throw RunnerError.unavailable(
        this.framework,
        `${this.program} at ${this.binary} cannot be pushed (${errorMessage(err)}); check the agent's configuration`,
      );
    }
  }

  protected async pushModel(device: DeviceTarget, modelPath: string): Promise<string> {
    return (await device.transport.push(device.workspace, modelPath)).remotePath;
  }

  /**
   * Runs one invocation; a run that did not end with exit 0 becomes the RunnerError it calls for:
   * the tool's own ERROR lines after a normal non-zero exit mean it refused this model or delegate
   * (permanent, the message kept verbatim); a crash, timeout or silent failure may pass on retry.
   */
  protected async execTool(device: DeviceTarget, argv: readonly string[]): Promise<ExecResult> {
    const r = await device.transport.exec(device.workspace, argv);
    if (r.exitCode === 0) return r;
    const text = `${r.stdout}\n${r.stderr}`;
    const errors = text.split(/\r?\n/).filter((l) => this.isErrorLine(l));
    if (r.timedOut) throw RunnerError.timeout(`${this.program} timed out; output: ${tail(text)}`);
    if (r.exitCode !== null && !r.aborted && errors.length > 0) {
      throw RunnerError.engine(this.engine, `${this.program}: ${errors.join('; ').slice(0, 2000)}`, { stage: 'load' });
    }
    throw RunnerError.engine(this.engine, `${this.program} ${describeEnd(r)}; output: ${tail(text)}`, { stage: 'run' });
  }

  /**
   * The tools feed their own random inputs: a job that names input values cannot run on them, and
   * saying so beats a result that silently ignored the values.
   */
  protected refuseGivenInputs(req: RunRequest): void {
    const given = Object.keys(req.options.inputs ?? {});
    if (given.length === 0) return;
    throw new RunnerError(
      'VALIDATION_FAILED',
      `${this.framework}: ${this.program} on the phone feeds its own random inputs and cannot take options.inputs (${given.join(', ')}); run this framework without them, or use opencv-dnn, ncnn or native-int8 on the phone`,
      true,
    );
  }

  /** A line in which the tool reports why it stopped. */
  protected abstract isErrorLine(line: string): boolean;
}
