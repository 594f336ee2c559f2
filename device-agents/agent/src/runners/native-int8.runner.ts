/**
 * The farm's own int8 runtime (device-agents/native, `int8-runner`) on quantized ONNX models:
 * the model is compiled to a farm-int8-plan with @farm/int8-compiler in a temporary directory,
 * then the native binary loads the plan, runs it and prints one JSON report (runner contract in
 * device-agents/native/PLAN_FORMAT.md). Inputs are the same seeded bytes every other runner gets.
 *
 * The runtime is single-threaded. A request for more threads still runs, on one thread, and says
 * so in `threads` and in a note: refusing would drop native-int8 from every multi-threaded
 * matrix, while the result's own `threads: 1` keeps a comparison with N-thread engines honest.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { FrameworkAvailability, RunnerOutput } from '@farm/contracts';
import { compileToPlan, realValues, type CompileResult, type TensorDecl } from '@farm/int8-compiler';
import { execBinary, type ExecResult } from './exec-binary.js';
import { byteView, synthesizeInputs, type SynthesizedInput } from './input-synthesis.js';
import { errorMessage, msSince, RunnerError, type FirstOutput, type Runner, type RunRequest } from './runner.js';

const BUILD_ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';

/** Where `device-agents/native/build.sh <arch>` puts the binary, seen from dist/runners/. */
export const DEFAULT_INT8_RUNNER_BINARY = resolve(dirname(fileURLToPath(import.meta.url)), `../../../native/build/${BUILD_ARCH}/int8-runner`);

const ReportSchema = z.object({
  runtime: z.string(),
  version: z.string(),
  isa: z.string(),
  threads: z.number().int().positive(),
  loadMs: z.number().nonnegative(),
  firstInferenceMs: z.number().nonnegative(),
  latenciesMs: z.array(z.number().nonnegative()).min(1),
  layers: z.array(z.object({ name: z.string(), opType: z.string(), timeMs: z.number().nonnegative() })),
  peakMemoryBytes: z.number().int().nonnegative(),
  outputs: z.array(z.object({ name: z.string(), dtype: z.string(), shape: z.array(z.number().int()) })),
});
type Report = z.infer<typeof ReportSchema>;
const ErrorLineSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Codes the runtime gives a plan it cannot run: the same model fails the same way on every attempt. */
const MODEL_CODES = new Set(['bad_plan', 'unsupported_op', 'unsupported_attr', 'shape_mismatch', 'quant_mismatch']);
const REQUEST_CODES = new Set(['bad_arguments', 'unsupported_option']);

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, int8: 1, uint8: 1 };

/** The report on stdout, or the RunnerError the runtime's stderr error line calls for. */
function parseReport(r: ExecResult, framework: 'native-int8'): Report {
  const errLine = r.stderr.trim().split('\n').pop() ?? '';
  if (r.code !== 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(errLine);
    } catch {
      parsed = undefined;
    }
    const e = ErrorLineSchema.safeParse(parsed);
    if (!e.success) {
      throw RunnerError.failed(`int8-runner ended with ${r.signal ? `signal ${r.signal}` : `exit ${r.code}`} and no error report; stderr: ${tail(r.stderr)}`);
    }
    const { code, message } = e.data.error;
    if (MODEL_CODES.has(code)) throw RunnerError.modelRejected(framework, `${code}: ${message}`);
    if (REQUEST_CODES.has(code)) throw new RunnerError('VALIDATION_FAILED', `int8-runner: ${code}: ${message}`, true);
    throw RunnerError.failed(`int8-runner: ${code}: ${message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
  } catch {
    throw RunnerError.failed(`int8-runner exited 0 without a JSON report; stdout: ${tail(r.stdout)}`);
  }
  const report = ReportSchema.safeParse(parsed);
  if (!report.success) throw RunnerError.failed(`int8-runner printed an unexpected report: ${report.error.message}`);
  return report.data;
}

/** "0.1.0 (avx2)": which kernels were compiled in matters as much as the version number. */
function versionOf(report: Pick<Report, 'version' | 'isa'>): string {
  return `${report.version} (${report.isa})`;
}

/**
 * One float32 relu: the smallest plan the runtime loads. The binary has no --version, so the
 * probe runs this to prove it starts and to read the version and ISA from a real report.
 */
const PROBE_PLAN = {
  format: 'farm-int8-plan',
  version: 1,
  layout: 'NHWC',
  tensors: [
    { id: 0, name: 'x', dtype: 'float32', shape: [1], quant: null, data: null },
    { id: 1, name: 'y', dtype: 'float32', shape: [1], quant: null, data: null },
  ],
  inputs: [0],
  outputs: [1],
  ops: [{ name: 'probe', type: 'relu', inputs: [0], outputs: [1], attrs: {} }],
};

export class NativeInt8Runner implements Runner {
  readonly framework = 'native-int8' as const;
  readonly formats = ['onnx'] as const;

  constructor(private readonly binary: string = DEFAULT_INT8_RUNNER_BINARY) {}

  async probe(): Promise<FrameworkAvailability | null> {
    const dir = mkdtempSync(join(tmpdir(), 'farm-int8-probe-'));
    try {
      accessSync(this.binary, constants.X_OK);
      const plan = join(dir, 'probe.plan.json');
      writeFileSync(plan, JSON.stringify(PROBE_PLAN));
      writeFileSync(join(dir, 'probe.plan.bin'), new Uint8Array(0));
      const report = parseReport(
        await execBinary(this.binary, ['--plan', plan, '--warmup', '0', '--runs', '1', '--profile-runs', '0', '--threads', '1'], 10_000),
        this.framework,
      );
      return { framework: this.framework, version: versionOf(report) };
    } catch (err) {
      console.warn(`native-int8: not usable here (${this.binary}): ${errorMessage(err)}; build it with device-agents/native/build.sh ${BUILD_ARCH}`);
      return null;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    try {
      accessSync(this.binary, constants.X_OK);
    } catch {
      throw RunnerError.unavailable(this.framework, `${this.binary} is missing; build it with device-agents/native/build.sh ${BUILD_ARCH}`);
    }
    const { options } = req;
    const inputs = synthesizeInputs(req.inputs, options.seed, options.inputShapes);
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
        throw RunnerError.modelRejected(this.framework, errorMessage(err));
      }
      const compileMs = msSince(compileStart);

      const inputFile = join(dir, 'input.bin');
      writeFileSync(inputFile, Buffer.concat(compiled.inputs.map((decl, i) => planInputBytes(decl, pickInput(inputs, decl, i)))));
      const outputFile = join(dir, 'output.bin');
      const argv = [
        '--plan',
        compiled.planPath,
        '--input',
        inputFile,
        '--output',
        outputFile,
        '--warmup',
        String(options.warmupRuns),
        '--runs',
        String(options.timedRuns),
        '--profile-runs',
        String(options.profileRuns),
        '--threads',
        '1',
      ];
      // The binary reports nothing until it is done, so progress is only the phase boundaries.
      const report = parseReport(await execBinary(this.binary, argv), this.framework);
      req.onProgress?.('load', 1, 1);
      req.onProgress?.('timed', options.timedRuns, options.timedRuns);
      if (options.profileRuns > 0) req.onProgress?.('profile', options.profileRuns, options.profileRuns);

      const raw = readFileSync(outputFile);
      if (req.onFirstOutputs) req.onFirstOutputs(decodeOutputs(compiled.outputs, raw));

      const notes = [
        `compiled the quantized ONNX to an int8 plan (${compiled.opCount} ops) in ${compileMs.toFixed(1)} ms; loadMs is the runtime loading that plan, compile time not included`,
        ...compiled.warnings.map((w) => `compiler: ${w}`),
      ];
      if (options.threads > 1) notes.push(`requested ${options.threads} threads; the int8 runtime is single-threaded, so this ran on 1`);
      return {
        framework: this.framework,
        frameworkVersion: versionOf(report),
        threads: report.threads,
        loadMs: report.loadMs,
        firstInferenceMs: report.firstInferenceMs,
        latenciesMs: report.latenciesMs,
        peakMemoryBytes: report.peakMemoryBytes,
        outputDigest: createHash('sha256').update(raw).digest('hex'),
        layers: report.layers,
        profiledRuns: options.profileRuns,
        notes,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
  let off = 0;
  const outputs = decls.map((d) => {
    const n = d.shape.reduce((a, b) => a * b, 1);
    const size = DTYPE_BYTES[d.dtype];
    if (!size) throw RunnerError.failed(`native-int8: output "${d.name}" has dtype ${d.dtype}, which the runtime does not write`);
    // A copy: a Buffer's .buffer is often a shared pool, not this output's bytes.
    const chunk = new Uint8Array(raw.subarray(off, off + n * size)).buffer;
    off += n * size;
    const view =
      d.dtype === 'float32'
        ? new Float32Array(chunk)
        : d.dtype === 'int32'
          ? new Int32Array(chunk)
          : d.dtype === 'int8'
            ? new Int8Array(chunk)
            : new Uint8Array(chunk);
    return { name: d.name, values: realValues(d, view) };
  });
  if (off !== raw.length) throw RunnerError.failed(`native-int8: the output file has ${raw.length} bytes, the plan declares ${off}`);
  return outputs;
}

function tail(s: string, max = 2000): string {
  const t = s.trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}
