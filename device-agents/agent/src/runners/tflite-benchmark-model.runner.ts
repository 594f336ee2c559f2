/**
 * TFLite on Android phones through the operator-provided `benchmark_model` (an android_arm64 build
 * of tensorflow/lite/tools/benchmark; its host path is ANDROID_TFLITE_BENCHMARK_MODEL).
 *
 * What latenciesMs holds: benchmark_model keeps every run's time only inside one Stat and prints
 * aggregates (count, first, curr, min, max, avg, std; percentiles on newer builds), never the runs
 * themselves, and it has no flag for per-run output (benchmark_model.cc, BenchmarkModel::Run).
 * So each sample is its own invocation: load the model, `--warmup_runs=<warmupRuns>`, then exactly
 * one timed run (`--num_runs=1 --min_secs=0`), whose time is the regular phase's `curr=` value.
 * `timedRuns` invocations give `timedRuns` real, warm single-inference times; no sample is derived
 * from an average. That costs a process start and a model load per sample, which is the price of
 * keeping raw latencies for an engine that will not print them.
 *
 * One more invocation, kept out of latenciesMs, runs `profileRuns` runs with
 * `--enable_op_profiling=true` (per-operator table) and `--report_peak_memory_footprint=true` (its
 * monitor thread could perturb timings, so it never runs in a timed invocation); it also gives the
 * delegate's coverage ("Replacing N out of M node(s)"). With profileRuns 0 it still runs one run, for
 * the memory footprint and the delegation lines, without the profiler.
 *
 * Inputs: benchmark_model fills inputs with its own random values, so the job's seed does not apply
 * and the outputs are not read (outputDigest is empty); both are said in the notes.
 */
import type { BenchmarkOptions, Delegate, RunnerOutput, TensorSpec } from '@farm/contracts';
import { resolveInputShapes } from '@farm/contracts';
import { DeviceToolRunner } from './device-tool.runner.js';
import { benchmarkModelLayers, parseBenchmarkModelOutput, type BenchmarkModelRun } from './parsers/benchmark-model-output.parser.js';
import { median, RunnerError, type RunRequest } from './runner.js';

/** Delegate flags as the TFLite delegate providers name them; unset adds none (the build's default applies). */
const DELEGATE_FLAGS: Record<Delegate, readonly string[]> = {
  cpu: ['--use_xnnpack=false'],
  xnnpack: ['--use_xnnpack=true'],
  gpu: ['--use_gpu=true'],
  nnapi: ['--use_nnapi=true'],
};

export interface BenchmarkModelInvocation {
  /** benchmark_model's path on the device. */
  tool: string;
  /** The .tflite file's path on the device. */
  graph: string;
  threads: number;
  warmupRuns: number;
  runs: number;
  delegate?: Delegate;
  opProfiling: boolean;
  peakMemory: boolean;
  /** Concrete input shapes, in the model's input order; only passed when the job gave inputShapes. */
  inputShapes?: { name: string; shape: number[] }[];
}

/**
 * The argument vector of one invocation, from bounded numbers, enums and the model's own input
 * names only. Names travel as argv elements (the transport quotes each), so shell metacharacters
 * in them are inert; ',' and ':' would split benchmark_model's own lists, so such names are refused.
 */
export function benchmarkModelArgv(inv: BenchmarkModelInvocation): string[] {
  const argv = [
    inv.tool,
    `--graph=${inv.graph}`,
    `--num_threads=${inv.threads}`,
    // Exactly the runs asked for: the *_min_secs defaults (0.5 s, 1 s) would add runs until that much time passed.
    `--warmup_runs=${inv.warmupRuns}`,
    '--warmup_min_secs=0',
    `--num_runs=${inv.runs}`,
    '--min_secs=0',
    ...(inv.delegate ? DELEGATE_FLAGS[inv.delegate] : []),
  ];
  if (inv.opProfiling) argv.push('--enable_op_profiling=true');
  if (inv.peakMemory) argv.push('--report_peak_memory_footprint=true');
  if (inv.inputShapes?.length) {
    for (const { name } of inv.inputShapes) {
      if (/[,:]/.test(name) || name.length === 0) {
        throw new RunnerError(
          'VALIDATION_FAILED',
          `tflite: input name ${JSON.stringify(name)} cannot be given to benchmark_model (its lists split on "," and ":")`,
          true,
        );
      }
    }
    argv.push(`--input_layer=${inv.inputShapes.map((i) => i.name).join(',')}`);
    argv.push(`--input_layer_shape=${inv.inputShapes.map((i) => i.shape.join(',')).join(':')}`);
  }
  return argv;
}

export class TfliteBenchmarkModelRunner extends DeviceToolRunner {
  readonly framework = 'tflite' as const;
  readonly formats = ['tflite'] as const;
  protected readonly program = 'benchmark_model';
  protected readonly engine = 'tflite-benchmark-model' as const;
  // Flags::Usage lists every flag; --help is not a flag of older builds, but an unknown flag prints the usage too.
  protected readonly helpArgs = ['--help'];
  protected readonly usageMarker = 'num_runs';

  protected isErrorLine(line: string): boolean {
    return /(?:^|: )(?:ERROR|FATAL): /.test(line) && !/Benchmarking failed\.$/.test(line);
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    const { device, options } = req;
    this.refuseGivenInputs(req);
    const tool = await this.pushTool(device);
    req.onProgress?.('load', 0, 1);
    const graph = await this.pushModel(device, req.modelPath);
    req.onProgress?.('load', 1, 1);
    const base = {
      tool,
      graph,
      threads: options.threads,
      warmupRuns: options.warmupRuns,
      delegate: options.delegate,
      inputShapes: shapesFor(req.inputs, options),
    };

    const timed: BenchmarkModelRun[] = [];
    for (let i = 0; i < options.timedRuns; i++) {
      const r = await this.execTool(device, benchmarkModelArgv({ ...base, runs: 1, opProfiling: false, peakMemory: false }));
      timed.push(parseBenchmarkModelOutput(r.stdout + '\n' + r.stderr));
      req.onProgress?.('timed', i + 1, options.timedRuns);
    }
    const latenciesMs = timed.map((run, i) => {
      if (!run.inference || run.inference.count !== 1) {
        throw RunnerError.failed(`benchmark_model invocation ${i + 1} printed no single-run stat line (count=${run.inference?.count ?? 'none'})`);
      }
      return run.inference.currUs / 1000;
    });

    const profileRuns = Math.max(1, options.profileRuns);
    const summaryOut = await this.execTool(device, benchmarkModelArgv({ ...base, runs: profileRuns, opProfiling: options.profileRuns > 0, peakMemory: true }));
    const summary = parseBenchmarkModelOutput(summaryOut.stdout + '\n' + summaryOut.stderr);
    const layers = options.profileRuns > 0 ? benchmarkModelLayers(summary) : [];
    if (options.profileRuns > 0) req.onProgress?.('profile', options.profileRuns, options.profileRuns);

    const first = timed[0]!;
    return {
      framework: this.framework,
      frameworkVersion: this.versionOf(tool),
      threads: options.threads,
      loadMs: median(timed.map((r) => r.timings.initUs)) / 1000,
      // With warm-up runs the first inference is the first warm-up; without, it is the one timed run.
      firstInferenceMs: options.warmupRuns > 0 && first.timings.firstInferenceUs !== null ? first.timings.firstInferenceUs / 1000 : latenciesMs[0]!,
      latenciesMs,
      peakMemoryBytes: summary.peakMemoryMb === null ? null : Math.round(summary.peakMemoryMb * 1024 * 1024),
      outputDigest: '',
      layers,
      profiledRuns: layers.length > 0 ? (summary.inference?.count ?? options.profileRuns) : 0,
      notes: notesFor(options, summary, timed.length),
    };
  }
}

/** Shapes are only passed when the job gave some: otherwise the tool uses the model's own. */
function shapesFor(inputs: TensorSpec[], options: BenchmarkOptions): BenchmarkModelInvocation['inputShapes'] {
  if (!options.inputShapes || Object.keys(options.inputShapes).length === 0) return undefined;
  return resolveInputShapes(inputs, options.inputShapes).map((t) => ({ name: t.name, shape: t.shape }));
}

function notesFor(options: BenchmarkOptions, summary: BenchmarkModelRun, invocations: number): string[] {
  const notes = [
    `latenciesMs: ${invocations} separate benchmark_model invocations, each loading the model, running ${options.warmupRuns} warm-up run(s) and then one timed run (its "curr" time); benchmark_model prints only aggregates, so per-run samples come one per process`,
    `loadMs is the median of those invocations' "Init" time`,
    'inputs are benchmark_model\u2019s own random values (the job\u2019s seed does not apply) and its outputs are not read, so outputDigest is empty',
    `delegate: ${options.delegate ?? 'not set (the build\u2019s default, which is XNNPACK on recent TFLite)'}`,
  ];
  for (const d of summary.delegations) notes.push(`${d.delegate} took ${d.replacedNodes} of ${d.totalNodes} nodes in ${d.partitions} partition(s)`);
  if ((options.delegate === 'gpu' || options.delegate === 'nnapi') && summary.delegations.length === 0) {
    notes.push(`the ${options.delegate} delegate was asked for but benchmark_model reported no node replaced by a delegate: the graph may have run on the CPU`);
  }
  if (summary.peakMemoryMb !== null)
    notes.push('peakMemoryBytes: benchmark_model\u2019s periodic peak footprint, from a separate invocation (with the op profiler on when profileRuns > 0)');
  for (const e of summary.errors) notes.push(`benchmark_model: ${e}`);
  return notes;
}
