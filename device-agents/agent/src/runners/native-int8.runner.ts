/**
 * The farm's own int8 runtime (device-agents/native, `int8-runner`) on quantized ONNX models:
 * the model is compiled to a farm-int8-plan with @farm/int8-compiler on the agent host, pushed
 * to the device, and the native binary loads the plan, runs it and prints one JSON report (the
 * native-runner contract, on the binary-runner base). Inputs are the same seeded bytes every
 * other runner gets.
 *
 * The runtime is single-threaded. A request for more threads still runs, on one thread, and says
 * so in `threads` and in a note: refusing would drop native-int8 from every multi-threaded
 * matrix, while the result's own `threads: 1` keeps a comparison with N-thread engines honest.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { RunnerOutput } from '@farm/contracts';
import { compileToPlan, realValues, splitOutputs, type CompileResult, type TensorDecl } from '@farm/int8-compiler';
import { buildInputs, byteView, type SynthesizedInput } from './input-synthesis.js';
import { NativeBinaryRunner } from './native-binary.runner.js';
import { checkDelegate, errorMessage, msSince, RunnerError, type DeviceTarget, type FirstOutput, type RunRequest } from './runner.js';

const BUILD_ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';

/** Where `device-agents/native/build.sh <arch>` puts the binary, seen from dist/runners/. */
export const DEFAULT_INT8_RUNNER_BINARY = resolve(dirname(fileURLToPath(import.meta.url)), `../../../native/build/${BUILD_ARCH}/int8-runner`);

/** The aarch64 build for phones (`device-agents/native/build.sh aarch64`): static, so it runs on Android as it is. */
export const DEFAULT_ANDROID_INT8_RUNNER_BINARY = resolve(dirname(fileURLToPath(import.meta.url)), '../../../native/build/aarch64/int8-runner');

export class NativeInt8Runner extends NativeBinaryRunner {
  readonly framework = 'native-int8' as const;
  readonly formats = ['onnx'] as const;
  protected readonly program = 'int8-runner';
  protected readonly engine = 'native-int8' as const;
  protected readonly buildHint: string;

  /** arch: the build's architecture, for the build hint (this host's by default). */
  constructor(binary: string = DEFAULT_INT8_RUNNER_BINARY, arch: 'aarch64' | 'x86_64' = BUILD_ARCH) {
    super(binary);
    this.buildHint = `build it with device-agents/native/build.sh ${arch}`;
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    checkDelegate(this.framework, 'int8 runtime', req.options.delegate, []);
    const { options, device } = req;
    const inputs = buildInputs(req.inputs, options, req.inputFiles);
    const dir = mkdtempSync(join(tmpdir(), 'farm-int8-'));
    try {
      req.onProgress?.('load', 0, 1);
      const compileStart = process.hrtime.bigint();
      let compiled: CompileResult;
      try {
        compiled = compileToPlan(readFileSync(req.modelPath), dir, 'model', { inputShapes: options.inputShapes });
      } catch (err) {
        // The compiler is deterministic: a model it refuses (an unsupported op, a float-only
        // node) is refused on every attempt, and its message names the node to fix.
        throw RunnerError.engine(this.engine, errorMessage(err), { stage: 'load' });
      }
      const compileMs = msSince(compileStart);

      const { report, outputBytes } = await this.invoke({
        device,
        remoteModel: await this.pushPlan(device, compiled),
        inputs: compiled.inputs.map((decl, i) => ({
          name: decl.name,
          dims: decl.shape.length ? decl.shape : [1],
          bytes: planInputBytes(decl, pickInput(inputs, decl, i)),
        })),
        request: req,
        // The runtime is single-threaded; a request for more still runs, on one thread (see the note below).
        threads: 1,
        warmupRuns: options.warmupRuns,
        timedRuns: options.timedRuns,
        profileRuns: options.profileRuns,
        onProgress: req.onProgress,
      });
      if (req.onFirstOutputs) req.onFirstOutputs(decodeOutputs(compiled.outputs, outputBytes));

      const notes = [
        `compiled the quantized ONNX to an int8 plan (${compiled.opCount} ops) in ${compileMs.toFixed(1)} ms; loadMs is the runtime loading that plan, compile time not included`,
        ...compiled.warnings.map((w) => `compiler: ${w}`),
      ];
      if (options.threads > 1) notes.push(`requested ${options.threads} threads; the int8 runtime is single-threaded, so this ran on 1`);
      return this.output(report, outputBytes, notes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Pushes the plan's weights, then its JSON rewritten to name them by their cached file name
   * (pushed files sit side by side on the device): an unchanged model pushes nothing the second time.
   */
  private async pushPlan(device: DeviceTarget, compiled: CompileResult): Promise<string> {
    const remoteBin = await this.pushFile(device, compiled.binPath);
    const plan = JSON.parse(readFileSync(compiled.planPath, 'utf8')) as Record<string, unknown>;
    plan.bin = basename(remoteBin);
    const planFile = join(dirname(compiled.planPath), 'device.plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    return this.pushFile(device, planFile);
  }
}

/** Plan inputs are matched to the model's declared inputs by name, by position as a fallback. */
function pickInput(inputs: SynthesizedInput[], decl: TensorDecl, index: number): SynthesizedInput {
  const input = inputs.find((i) => i.name === decl.name) ?? inputs[index];
  if (!input) throw new RunnerError('VALIDATION_FAILED', `native-int8: the plan expects an input "${decl.name}" the model declaration does not have`, true);
  return input;
}

/**
 * The plan keeps graph inputs in ONNX's layout, so the synthetic tensor's bytes go in as they are
 * when the dtypes match (a QDQ graph's float input, quantized by the plan's first op). A float
 * tensor feeding a quantized plan input is quantized here with that input's parameters, as
 * ONNX QuantizeLinear would.
 */
function planInputBytes(decl: TensorDecl, input: SynthesizedInput): Uint8Array {
  const count = decl.shape.reduce((a, b) => a * b, 1);
  if (count !== input.data.length) {
    throw new RunnerError(
      'VALIDATION_FAILED',
      `native-int8: input "${decl.name}" has ${input.data.length} elements, the plan expects [${decl.shape.join(', ')}]`,
      true,
    );
  }
  if (decl.dtype === input.dtype) return byteView(input.data);
  if ((decl.dtype === 'int8' || decl.dtype === 'uint8') && decl.quant && input.dtype === 'float32') {
    const [lo, hi] = decl.dtype === 'int8' ? [-128, 127] : [0, 255];
    const scale = decl.quant.scale[0]!,
      zero = decl.quant.zeroPoint[0]!;
    const q = decl.dtype === 'int8' ? new Int8Array(count) : new Uint8Array(count);
    for (let i = 0; i < count; i++) q[i] = Math.min(hi, Math.max(lo, roundHalfEven((input.data[i] as number) / scale) + zero));
    return byteView(q);
  }
  throw new RunnerError('VALIDATION_FAILED', `native-int8: input "${decl.name}" is ${input.dtype}, the plan expects ${decl.dtype}`, true);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Splits the --output bytes per the plan's outputs and dequantizes quantized ones to real values. */
export function decodeOutputs(decls: TensorDecl[], raw: Uint8Array): FirstOutput[] {
  let views;
  try {
    views = splitOutputs(decls, raw);
  } catch (err) {
    // A report that does not match its plan is this run's failure, retried like a crash.
    throw RunnerError.failed(`native-int8: ${errorMessage(err)}`);
  }
  return decls.map((d, i) => ({ name: d.name, values: realValues(d, views[i]!) }));
}
