/**
 * TensorFlow Lite with its XNNPACK delegate, as compiled to WebAssembly (SIMD) inside
 * @tensorflow/tfjs-tflite, run in this process. The package's loader is browser-only; the
 * Emscripten module itself runs under Node when handed the .wasm bytes directly.
 *
 * A host-side runner: the engine runs inside the agent host's own runner-host process, so it
 * works through the local transport only and cannot run on a phone. On-device TFLite will be a
 * binary runner around the operator-provided benchmark_model.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { FrameworkAvailability, RunnerOutput } from '@farm/contracts';
import { buildInputs, byteView, type SynthesizedInput } from './input-synthesis.js';
import { checkDelegate, collectGarbageBeforeTiming, errorMessage, msSince, RunnerError, type Runner, type RunRequest } from './runner.js';
import { parseTfliteProfileSummary, tfliteLayers } from './tflite-profile-summary.js';

const require = createRequire(import.meta.url);

/** The subset of the Emscripten/embind surface this runner uses. */
interface TfliteTensorInfo {
  id: number;
  name: string;
  dataType: string;
  shape: string | number[];
  data(): ArrayBufferView & { length: number; set(src: ArrayLike<number>): void };
  delete(): void;
}
interface TfliteVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface TfliteModelRunner {
  GetInputs(): TfliteVector<TfliteTensorInfo>;
  GetOutputs(): TfliteVector<TfliteTensorInfo>;
  Infer(): boolean;
  GetProfilingSummary(): string;
  delete(): void;
}
interface TfliteModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(ptr: number): void;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      ptr: number,
      len: number,
      opts: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number },
    ): { ok(): boolean; errorMessage(): string; value(): TfliteModelRunner; delete?(): void };
  };
}

// Node has the WebAssembly global, but the project's lib settings (no DOM) do not declare it.
const wasm = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

// Only the non-threaded SIMD build runs under Node: the threaded one spawns browser Web Workers.
const WASM_BASENAME = 'tflite_web_api_cc_simd';

let modulePromise: Promise<TfliteModule> | undefined;
/**
 * The runtime's latest stderr lines: its status carries only "Can't initialize model", while the
 * reason ("Encountered unresolved custom op: X") is printed. One job per process, so they are this job's.
 */
const engineLines: string[] = [];
function engineSaid(summary: string): string {
  const said = engineLines.splice(0).filter((l) => !/^INFO:|Created TensorFlow Lite/.test(l));
  return said.length ? `${summary}; the engine said: ${said.join('; ')}` : summary;
}
function loadModule(): Promise<TfliteModule> {
  modulePromise ??= (async () => {
    // V8 otherwise starts wasm on its baseline compiler and swaps in optimised code function by
    // function while the benchmark runs: timed latencies then fall several-fold over the first
    // dozens of inferences. Compiling everything optimised up front (before instantiation, outside
    // the load timing) makes every timed run measure the same code.
    setFlagsFromString('--no-liftoff');
    setFlagsFromString('--no-wasm-lazy-compilation');
    const js = require.resolve(`@tensorflow/tfjs-tflite/wasm/${WASM_BASENAME}.js`);
    const factory = require(js) as (o: { wasmBinary: Uint8Array; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<TfliteModule>;
    return factory({
      wasmBinary: readFileSync(join(dirname(js), `${WASM_BASENAME}.wasm`)),
      // TFLite's INFO lines ("Created TensorFlow Lite XNNPACK delegate") would pollute the host's stdout protocol.
      print: (s) => process.stderr.write(`${s}\n`),
      printErr: (s) => {
        engineLines.push(s);
        if (engineLines.length > 20) engineLines.shift();
        process.stderr.write(`${s}\n`);
      },
    });
  })();
  return modulePromise;
}

export function tfliteVersion(): string {
  const { version } = require('@tensorflow/tfjs-tflite/package.json') as { version: string };
  return `tfjs-tflite@${version}/${WASM_BASENAME}`;
}

export class TfliteRunner implements Runner {
  readonly framework = 'tflite' as const;
  readonly formats = ['tflite'] as const;
  /** In-process engine: this desktop only (see the header). */
  readonly transports = ['local'] as const;

  /**
   * Checks that the runtime is installed and that this V8 accepts its SIMD wasm, without compiling
   * it: compiling fully optimised takes seconds, and belongs to the job's own process.
   */
  async probe(): Promise<FrameworkAvailability | null> {
    try {
      const js = require.resolve(`@tensorflow/tfjs-tflite/wasm/${WASM_BASENAME}.js`);
      if (!wasm.validate(readFileSync(join(dirname(js), `${WASM_BASENAME}.wasm`)))) {
        throw new Error(`${WASM_BASENAME}.wasm does not validate on this Node (no wasm SIMD?)`);
      }
      return { framework: this.framework, version: tfliteVersion() };
    } catch (err) {
      console.warn(`tflite: not usable here: ${errorMessage(err)}`);
      return null;
    }
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    checkDelegate(this.framework, 'desktop WebAssembly TFLite runner', req.options.delegate, ['xnnpack']);
    const mod = await loadModule().catch((err: unknown) => {
      throw RunnerError.unavailable(this.framework, errorMessage(err));
    });
    const { options } = req;
    const inputs = buildInputs(req.inputs, options, req.inputFiles);
    const notes: string[] = [
      'TFLite runs as WebAssembly (SIMD, XNNPACK delegate) under Node, not as a native build; expect it to be slower than native TFLite on the same CPU',
      'the wasm module is compiled fully optimised before loading (V8 without lazy/baseline wasm compilation), so timed runs do not include JIT tier-up',
    ];
    if (options.threads > 1) {
      notes.push(`${options.threads} threads were requested, but the Node-loadable wasm build is single-threaded: ran with 1 thread`);
    }

    const model = readFileSync(req.modelPath);
    const ptr = mod._malloc(model.length);
    try {
      mod.HEAPU8.set(model, ptr);
      req.onProgress?.('load', 0, 1);
      const loadStart = process.hrtime.bigint();
      const runner = create(mod, ptr, model.length, false, 0);
      const loadMs = msSince(loadStart);
      req.onProgress?.('load', 1, 1);
      let firstInferenceMs: number;
      let outputDigest: string;
      const latenciesMs: number[] = [];
      try {
        feed(runner, inputs);
        const firstStart = process.hrtime.bigint();
        infer(runner, req);
        firstInferenceMs = msSince(firstStart);
        outputDigest = digestOutputs(
          runner,
          req.outputs.map((o) => o.name),
        );
        for (let i = 0; i < options.warmupRuns; i++) {
          infer(runner, req);
          req.onProgress?.('warmup', i + 1, options.warmupRuns);
        }
        collectGarbageBeforeTiming();
        for (let i = 0; i < options.timedRuns; i++) {
          const start = process.hrtime.bigint();
          infer(runner, req);
          latenciesMs.push(msSince(start));
          req.onProgress?.('timed', i + 1, options.timedRuns);
        }
      } finally {
        runner.delete();
      }

      const layers = options.profileRuns > 0 ? this.profile(mod, ptr, model.length, inputs, req, notes) : [];
      return {
        framework: this.framework,
        frameworkVersion: tfliteVersion(),
        threads: 1,
        loadMs,
        firstInferenceMs,
        latenciesMs,
        peakMemoryBytes: null,
        outputDigest,
        layers,
        profiledRuns: layers.length > 0 ? options.profileRuns : 0,
        notes,
      };
    } finally {
      mod._free(ptr);
    }
  }

  /**
   * A fresh interpreter with the profiler on, read once: TFLite's summary folds every call since
   * the previous read into one "run", so reading it once over all profiled inferences is the only
   * layout whose numbers mean what they say. One extra inference runs first and is taken out.
   */
  private profile(mod: TfliteModule, ptr: number, len: number, inputs: SynthesizedInput[], req: RunRequest, notes: string[]): RunnerOutput['layers'] {
    const inferences = req.options.profileRuns + 1;
    const runner = create(mod, ptr, len, true, Math.min(1_000_000, Math.max(4096, 2048 * inferences)));
    try {
      feed(runner, inputs);
      infer(runner, req);
      for (let i = 0; i < req.options.profileRuns; i++) {
        infer(runner, req);
        req.onProgress?.('profile', i + 1, req.options.profileRuns);
      }
      const summary = parseTfliteProfileSummary(runner.GetProfilingSummary());
      if (summary.delegateInternal.length === 0 && summary.primary.length === 0) {
        notes.push('TFLite returned an empty op profile');
      }
      return tfliteLayers(summary, inferences);
    } finally {
      runner.delete();
    }
  }
}

function create(mod: TfliteModule, ptr: number, len: number, enableProfiling: boolean, maxProfilingBufferEntries: number): TfliteModelRunner {
  engineLines.length = 0;
  const status = mod.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, len, { numThreads: 1, enableProfiling, maxProfilingBufferEntries });
  if (!status.ok()) throw RunnerError.engine('tflite-wasm', engineSaid(status.errorMessage()), { stage: 'load' });
  return status.value();
}

function infer(runner: TfliteModelRunner, req: Pick<RunRequest, 'inputs' | 'options'>): void {
  if (!runner.Infer()) {
    throw RunnerError.engine('tflite-wasm', engineSaid('tflite: Infer() returned false'), { stage: 'run', inputs: req.inputs, options: req.options });
  }
}

function shapeOf(t: TfliteTensorInfo): number[] {
  return (typeof t.shape === 'string' ? t.shape.split(',') : t.shape).map(Number);
}

/** Matches declared inputs by name, falling back to position when an inspector named them differently. */
function feed(runner: TfliteModelRunner, inputs: SynthesizedInput[]): void {
  const tensors = runner.GetInputs();
  try {
    if (tensors.size() !== inputs.length) {
      throw new RunnerError('VALIDATION_FAILED', `tflite: model has ${tensors.size()} inputs, the request declares ${inputs.length}`, true);
    }
    const all = Array.from({ length: tensors.size() }, (_, i) => tensors.get(i));
    inputs.forEach((input, index) => {
      const tensor = all.find((t) => t.name === input.name) ?? all[index]!;
      const shape = shapeOf(tensor);
      if (shape.join(',') !== input.shape.join(',')) {
        throw new RunnerError(
          'VALIDATION_FAILED',
          `tflite: input "${tensor.name}" has shape [${shape.join(', ')}] and this runtime cannot resize inputs; requested [${input.shape.join(', ')}]`,
          true,
        );
      }
      const view = tensor.data();
      if (view.byteLength !== input.data.byteLength) {
        throw new RunnerError(
          'VALIDATION_FAILED',
          `tflite: input "${tensor.name}" is ${tensor.dataType} (${view.byteLength} bytes), the request declares ${input.dtype}`,
          true,
        );
      }
      new Uint8Array(view.buffer, view.byteOffset, view.byteLength).set(byteView(input.data));
    });
  } finally {
    tensors.delete();
  }
}

function digestOutputs(runner: TfliteModelRunner, declaredOrder: string[]): string {
  const tensors = runner.GetOutputs();
  try {
    const all = Array.from({ length: tensors.size() }, (_, i) => tensors.get(i));
    const byName = declaredOrder.map((n) => all.find((t) => t.name === n));
    const ordered = byName.length === all.length && byName.every(Boolean) ? (byName as TfliteTensorInfo[]) : all;
    const hash = createHash('sha256');
    for (const t of ordered) {
      const v = t.data();
      hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    }
    return hash.digest('hex');
  } finally {
    tensors.delete();
  }
}
