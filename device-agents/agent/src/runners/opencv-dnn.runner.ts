/**
 * OpenCV DNN through the native opencv_runner (device-agents/opencv-runner). The TypeScript side
 * writes the synthetic inputs, so OpenCV is fed exactly the bytes the other frameworks get, and
 * digests the outputs the binary writes back.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { FrameworkAvailability, RunnerOutput } from '@farm/contracts';
import { execBinary } from './exec-binary.js';
import { byteView, synthesizeInputs } from './input-synthesis.js';
import { errorMessage, RunnerError, type Runner, type RunRequest } from './runner.js';

/** Where device-agents/opencv-runner/build.sh puts the binary, seen from dist/runners/. */
export const DEFAULT_OPENCV_RUNNER_BINARY = resolve(dirname(fileURLToPath(import.meta.url)), '../../../opencv-runner/build/opencv_runner');

const ReportSchema = z.object({
  version: z.string(),
  threads: z.number().int(),
  loadMs: z.number().nonnegative(),
  firstInferenceMs: z.number().nonnegative(),
  latenciesMs: z.array(z.number().nonnegative()).min(1),
  profiledRuns: z.number().int().nonnegative(),
  layers: z.array(z.object({ name: z.string(), type: z.string(), timeMs: z.number().nonnegative() })),
  outputs: z.array(z.object({ name: z.string(), shape: z.array(z.number().int()), bytes: z.number().int().nonnegative() })),
  peakRssBytes: z.number().int().nonnegative(),
});
const ErrorReportSchema = z.object({ error: z.object({ kind: z.string(), message: z.string() }) });

export class OpencvDnnRunner implements Runner {
  readonly framework = 'opencv-dnn' as const;
  readonly formats = ['onnx'] as const;

  constructor(private readonly binary: string = DEFAULT_OPENCV_RUNNER_BINARY) {}

  async probe(): Promise<FrameworkAvailability | null> {
    try {
      accessSync(this.binary, constants.X_OK);
      // Starting the binary proves its shared libraries load; the version is the one it links against.
      const r = await execBinary(this.binary, ['--version'], 10_000);
      const { version } = z.object({ version: z.string() }).parse(JSON.parse(r.stdout));
      return { framework: this.framework, version };
    } catch (err) {
      console.warn(`opencv-dnn: not usable here (${this.binary}): ${errorMessage(err)}; build it with device-agents/opencv-runner/build.sh`);
      return null;
    }
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    try {
      accessSync(this.binary, constants.X_OK);
    } catch {
      throw RunnerError.unavailable(this.framework, `${this.binary} is missing; build it with device-agents/opencv-runner/build.sh`);
    }
    const { options } = req;
    const inputs = synthesizeInputs(req.inputs, options.seed, options.inputShapes);
    const dir = mkdtempSync(join(tmpdir(), 'farm-opencv-'));
    try {
      const argv = ['--model', req.modelPath];
      inputs.forEach((input, i) => {
        if (input.dtype !== 'float32') {
          throw new RunnerError('VALIDATION_FAILED', `opencv-dnn: input "${input.name}" is ${input.dtype}; OpenCV DNN blobs are fed as float32 only`, true);
        }
        const file = join(dir, `input-${i}.bin`);
        // Float32Array bytes are little-endian on every host this runs on, as the binary expects.
        writeFileSync(file, byteView(input.data));
        argv.push('--input', `${input.name}:${input.shape.join('x')}:${file}`);
      });
      const outputFile = join(dir, 'outputs.bin');
      argv.push(
        '--threads',
        String(options.threads),
        '--warmup',
        String(options.warmupRuns),
        '--runs',
        String(options.timedRuns),
        '--profile-runs',
        String(options.profileRuns),
        '--output-file',
        outputFile,
      );

      // The binary reports nothing until it is done, so progress is only the phase boundaries.
      req.onProgress?.('load', 0, 1);
      const r = await execBinary(this.binary, argv);
      const lastLine = r.stdout.trim().split('\n').pop() ?? '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(lastLine);
      } catch {
        throw RunnerError.failed(
          `opencv_runner ended with ${r.signal ? `signal ${r.signal}` : `exit ${r.code}`} and no JSON report; stderr: ${tail(r.stderr)}`,
        );
      }
      const error = ErrorReportSchema.safeParse(parsed);
      if (error.success) {
        if (error.data.error.kind === 'model_rejected') throw RunnerError.modelRejected(this.framework, error.data.error.message.trim());
        if (error.data.error.kind === 'usage') throw new RunnerError('VALIDATION_FAILED', `opencv_runner: ${error.data.error.message}`, true);
        throw RunnerError.failed(`opencv_runner: ${error.data.error.message.trim()}`);
      }
      const report = ReportSchema.safeParse(parsed);
      if (!report.success || r.code !== 0) {
        throw RunnerError.failed(`opencv_runner printed an unexpected report (exit ${r.code}): ${report.success ? '' : report.error.message}`);
      }
      const data = report.data;
      req.onProgress?.('load', 1, 1);
      req.onProgress?.('timed', options.timedRuns, options.timedRuns);
      if (options.profileRuns > 0) req.onProgress?.('profile', options.profileRuns, options.profileRuns);

      const notes: string[] = [];
      if (data.threads !== options.threads) notes.push(`requested ${options.threads} threads, OpenCV reports ${data.threads}`);
      return {
        framework: this.framework,
        frameworkVersion: data.version,
        threads: data.threads,
        loadMs: data.loadMs,
        firstInferenceMs: data.firstInferenceMs,
        latenciesMs: data.latenciesMs,
        peakMemoryBytes: data.peakRssBytes,
        outputDigest: createHash('sha256').update(readFileSync(outputFile)).digest('hex'),
        layers: data.layers.map((l) => ({ name: l.name, opType: l.type, timeMs: l.timeMs })),
        profiledRuns: data.profiledRuns,
        notes,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

function tail(s: string, max = 2000): string {
  const t = s.trim();
  return t.length > max ? `…${t.slice(-max)}` : t;
}
