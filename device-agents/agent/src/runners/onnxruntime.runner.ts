/**
 * ONNX Runtime (CPU execution provider) through onnxruntime-node, in this process. Timed runs
 * and profiled runs use two separate sessions so the profiler's bookkeeping never lands in the
 * latencies.
 *
 * A host-side runner: the engine runs inside the agent host's own runner-host process, so it
 * works through the local transport only and cannot run on a phone. On-device ONNX Runtime will
 * be a binary runner around the operator-provided onnxruntime_perf_test.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as OrtTypes from 'onnxruntime-node';
import type { FrameworkAvailability, RunnerOutput, TensorDtype } from '@farm/contracts';
import { buildInputs, type SynthesizedInput } from './input-synthesis.js';
import { parseOrtProfile } from './onnxruntime-profile.js';
import { settleNote, warmUntilSettled } from './profile-warmup.js';
import { checkDelegate, collectGarbageBeforeTiming, errorMessage, msSince, RunnerError, type FirstOutput, type Runner, type RunRequest } from './runner.js';

type Ort = typeof OrtTypes;
const require = createRequire(import.meta.url);

/** Loaded on first use so an agent without the native binding still starts and reports the others. */
let ortPromise: Promise<Ort> | undefined;
function loadOrt(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').then((m) => (m as unknown as { default?: Ort }).default ?? (m as unknown as Ort));
  return ortPromise;
}

export function onnxruntimeVersion(): string {
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

const ORT_TENSOR_TYPES: Partial<Record<TensorDtype, OrtTypes.Tensor.Type>> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
};

export class OnnxruntimeRunner implements Runner {
  readonly framework = 'onnxruntime' as const;
  readonly formats = ['onnx'] as const;
  /** In-process engine: this desktop only (see the header). */
  readonly transports = ['local'] as const;

  async probe(): Promise<FrameworkAvailability | null> {
    try {
      await loadOrt();
      return { framework: this.framework, version: onnxruntimeVersion() };
    } catch (err) {
      console.warn(`onnxruntime: not usable here: ${errorMessage(err)}`);
      return null;
    }
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    checkDelegate(this.framework, 'desktop onnxruntime-node runner', req.options.delegate, ['cpu']);
    const ort = await loadOrt().catch((err: unknown) => {
      throw RunnerError.unavailable(this.framework, errorMessage(err));
    });
    const { options } = req;
    const inputs = buildInputs(req.inputs, options, req.inputFiles);
    const sessionOptions: OrtTypes.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // Warnings (e.g. unused initializers) are the model author's business, not the benchmark's.
      logSeverityLevel: 3,
    };

    req.onProgress?.('load', 0, 1);
    const loadStart = process.hrtime.bigint();
    const session = await createSession(ort, req.modelPath, sessionOptions);
    const loadMs = msSince(loadStart);
    req.onProgress?.('load', 1, 1);

    try {
      const feeds = toFeeds(ort, inputs);
      const outputNames = req.outputs.length > 0 ? req.outputs.map((o) => o.name) : [...session.outputNames];

      const firstStart = process.hrtime.bigint();
      const first = await runOnce(session, feeds, outputNames, req);
      const firstInferenceMs = msSince(firstStart);
      const outputDigest = digestOutputs(first, outputNames);
      if (req.onFirstOutputs) req.onFirstOutputs(realOutputs(first, outputNames));

      for (let i = 0; i < options.warmupRuns; i++) {
        await runOnce(session, feeds, outputNames, req);
        req.onProgress?.('warmup', i + 1, options.warmupRuns);
      }
      const latenciesMs: number[] = [];
      collectGarbageBeforeTiming();
      for (let i = 0; i < options.timedRuns; i++) {
        const start = process.hrtime.bigint();
        await runOnce(session, feeds, outputNames, req);
        latenciesMs.push(msSince(start));
        req.onProgress?.('timed', i + 1, options.timedRuns);
      }

      const notes: string[] = [];
      const profile = options.profileRuns > 0 ? await this.profile(ort, req, sessionOptions, feeds, outputNames, notes) : { layers: [], runs: 0 };
      return {
        framework: this.framework,
        frameworkVersion: onnxruntimeVersion(),
        threads: options.threads,
        loadMs,
        firstInferenceMs,
        latenciesMs,
        peakMemoryBytes: null,
        outputDigest,
        layers: profile.layers,
        profiledRuns: profile.runs,
        notes,
      };
    } finally {
      await session.release();
    }
  }

  /**
   * A second session with the profiler on. It warms up until its own per-inference time settles
   * (ORT's profiler is several times slower on its first inferences), and those runs are left out
   * of the layer times, as the timed session's warm-up is left out of its latencies.
   */
  private async profile(
    ort: Ort,
    req: RunRequest,
    base: OrtTypes.InferenceSession.SessionOptions,
    feeds: Record<string, OrtTypes.Tensor>,
    outputNames: string[],
    notes: string[],
  ): Promise<{ layers: RunnerOutput['layers']; runs: number }> {
    const dir = mkdtempSync(join(tmpdir(), 'farm-ort-profile-'));
    try {
      const session = await createSession(ort, req.modelPath, { ...base, enableProfiling: true, profileFilePrefix: join(dir, 'ort') });
      let warm;
      try {
        warm = await warmUntilSettled(() => runOnce(session, feeds, outputNames, req), { minRuns: Math.max(2, req.options.warmupRuns) });
        const note = settleNote(this.framework, warm);
        if (note) notes.push(note);
        const runs = req.options.profileRuns;
        for (let i = 0; i < runs; i++) {
          await runOnce(session, feeds, outputNames, req);
          req.onProgress?.('profile', i + 1, runs);
        }
        session.endProfiling();
      } finally {
        await session.release();
      }
      const file = readdirSync(dir).find((f) => f.endsWith('.json'));
      if (!file) throw RunnerError.failed('onnxruntime wrote no profile file');
      const parsed = parseOrtProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')), warm.runs);
      return { layers: parsed.layers, runs: parsed.runs };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function createSession(ort: Ort, modelPath: string, opts: OrtTypes.InferenceSession.SessionOptions): Promise<OrtTypes.InferenceSession> {
  try {
    return await ort.InferenceSession.create(modelPath, opts);
  } catch (err) {
    throw RunnerError.engine('onnxruntime-node', errorMessage(err), { stage: 'load' });
  }
}

async function runOnce(
  session: OrtTypes.InferenceSession,
  feeds: Record<string, OrtTypes.Tensor>,
  outputNames: string[],
  req: Pick<RunRequest, 'inputs' | 'options'>,
): Promise<OrtTypes.InferenceSession.OnnxValueMapType> {
  try {
    return await session.run(feeds, outputNames);
  } catch (err) {
    throw RunnerError.engine('onnxruntime-node', errorMessage(err), { stage: 'run', inputs: req.inputs, options: req.options });
  }
}

function toFeeds(ort: Ort, inputs: SynthesizedInput[]): Record<string, OrtTypes.Tensor> {
  const feeds: Record<string, OrtTypes.Tensor> = {};
  for (const input of inputs) {
    const type = ORT_TENSOR_TYPES[input.dtype];
    if (!type) throw new RunnerError('VALIDATION_FAILED', `onnxruntime: input "${input.name}" has unsupported dtype ${input.dtype}`, true);
    feeds[input.name] = new ort.Tensor(type, input.data as never, input.shape);
  }
  return feeds;
}

/** Copies of the outputs as float32, for comparing one engine's numbers with another's. */
function realOutputs(results: OrtTypes.InferenceSession.OnnxValueMapType, outputNames: string[]): FirstOutput[] {
  return outputNames.map((name) => {
    const data = (results[name] as OrtTypes.Tensor | undefined)?.data;
    if (!data || typeof data !== 'object' || !('length' in data) || typeof data === 'string') {
      throw RunnerError.failed(`onnxruntime: output "${name}" is not a numeric tensor`);
    }
    return { name, values: Float32Array.from(data as ArrayLike<number | bigint>, Number) };
  });
}

/** sha256 over every output's raw bytes, in the requested output order. */
export function digestOutputs(results: OrtTypes.InferenceSession.OnnxValueMapType, outputNames: string[]): string {
  const hash = createHash('sha256');
  for (const name of outputNames) {
    const value = results[name] as OrtTypes.Tensor | undefined;
    const data = value?.data;
    if (!data || typeof data !== 'object' || !('buffer' in data)) {
      throw RunnerError.failed(`onnxruntime: output "${name}" is not a numeric tensor and cannot be digested`);
    }
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest('hex');
}
