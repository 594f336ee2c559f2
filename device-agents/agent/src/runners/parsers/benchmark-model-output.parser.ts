/**
 * Parses the output of TFLite's `benchmark_model` (the operator-provided Android arm64 binary)
 * into typed fields. The formats follow tensorflow/lite/tools/benchmark/benchmark_model.cc,
 * tools/logging.h and xla/tsl/util/stats_calculator.h. Lines may carry the tool's severity prefix
 * ("INFO: ", only on the first line of a multi-line message) or, when read from logcat, a logcat
 * prefix on every line; both are removed first. The operator-wise tables (--enable_op_profiling)
 * are read by the existing header-driven TFLite summary parser.
 *
 * All times from the tool are microseconds except "Initialized session in <ms>ms." and the profile
 * tables (ms); the field names carry the unit.
 */
import type { RunnerLayerTiming } from '@farm/contracts';
import { parseTfliteProfileSummary, tfliteLayersPerRun, type TfliteProfileSummary } from '../tflite-profile-summary.js';
import { outputLines, RunnerOutputFormatError, stripLogcatPrefix, toNumber } from './runner-output-format.error.js';

const TOOL = 'benchmark_model';

/** One `Stat::OutputToStream` line: "count=50 first=.. curr=.. min=.. max=.. avg=.. std=.." (+ p5/median/p95 on newer builds). */
export interface TfliteRunStat {
  count: number;
  /** Absent when all runs took the same time ("count=1 curr=1356"). */
  firstUs: number | null;
  currUs: number;
  minUs: number;
  maxUs: number;
  avgUs: number;
  stdUs: number;
  p5Us: number | null;
  medianUs: number | null;
  p95Us: number | null;
}

export interface BenchmarkModelTimings {
  initUs: number;
  /** null on the legacy "Average inference timings in us: Warmup: .., Init: .., Inference: .." line. */
  firstInferenceUs: number | null;
  warmupAvgUs: number;
  inferenceAvgUs: number;
}

export interface BenchmarkModelDelegation {
  delegate: string;
  replacedNodes: number;
  totalNodes: number;
  partitions: number;
}

export interface BenchmarkModelRun {
  /** The "Inference timings in us" line: the one line every finished run prints. */
  timings: BenchmarkModelTimings;
  /** "Initialized session in 3.337ms." */
  initializedMs: number | null;
  modelSizeMb: number | null;
  /** The warm-up phase's stat line, when the output has one. */
  warmup: TfliteRunStat | null;
  /** The regular runs' stat line: all per-run latencies the tool keeps. */
  inference: TfliteRunStat | null;
  /** "Memory footprint delta from the start of the tool (MB): init=.. overall=.." */
  memoryDeltaMb: { init: number; overall: number } | null;
  /** Only with --report_peak_memory_footprint. */
  peakMemoryMb: number | null;
  /** "- VmRSS : N MB" and its split, printed with the peak footprint on Linux/Android. */
  rssMb: { vmRss: number; anon: number; fileAndShmem: number } | null;
  delegations: BenchmarkModelDelegation[];
  /** --enable_op_profiling tables; null when the run printed none. */
  opProfile: { initialization: TfliteProfileSummary | null; regularRuns: TfliteProfileSummary | null };
  /** ERROR:/FATAL: lines (a run can report errors, e.g. a failed delegate, and still print timings). */
  errors: string[];
}

const SEVERITY_PREFIX = /^(?:INFO|WARN|WARNING|ERROR|FATAL|VERBOSE|DEBUG): /;
const TIMINGS = /^Inference timings in us: Init: (\S+), First inference: (\S+), Warmup \(avg\): (\S+), Inference \(avg\): (\S+)\s*$/;
const LEGACY_TIMINGS = /^Average inference timings in us: Warmup: (\S+), Init: (\S+), Inference: (\S+)\s*$/;
const STAT =
  /^count=(\d+)(?: first=(\S+))? curr=([^\s(]+)(?:\(all same\))?(?: min=(\S+) max=(\S+) avg=(\S+) std=(\S+))?(?: p5=(\S+) median=(\S+) p95=(\S+))?\s*$/;
const INITIALIZED = /^Initialized session in (\S+)ms\.\s*$/;
const MODEL_SIZE = /^The input model file size \(MB\): (\S+)\s*$/;
const MEMORY_DELTA = /^Memory footprint delta from the start of the tool \(MB\): init=(\S+) overall=(\S+)\s*$/;
const PEAK = /^Overall peak memory footprint \(MB\) via periodic monitoring: (\S+)\s*$/;
const RSS = /^([-+]) (VmRSS|RssAnnon|RssFile \+ RssShmem)\s*: (\S+) MB\s*$/;
const DELEGATION = /Replacing (\d+) out of (\d+) node\(s\) with delegate \(([^)]+)\) node, yielding (\d+) partitions/;
const ERROR_LINE = /^(?:ERROR|FATAL): /;
const INIT_PROFILE = 'Profiling Info for Benchmark Initialization:';
const RUN_PROFILE = 'Operator-wise Profiling Info for Regular Benchmark Runs:';
/** Lines that open a run; after a run's timings line they mean the next run has begun. */
const RUN_START = [/^Log parameter values verbosely/, /^STARTING!/, /^The input model file size/, /^Initialized session in/, /^Running benchmark for at least/];

/**
 * Every run in the text: a full capture of one invocation, several invocations one after
 * another, or just the "Inference timings" lines grepped out of logcat (one per run of the APK).
 * Throws when there is no timings line at all, quoting the errors the tool printed.
 */
export function parseBenchmarkModelRuns(text: string): BenchmarkModelRun[] {
  // Logcat prefix off, severity prefix kept: ERROR:/FATAL: lines are told apart by it.
  const logged = outputLines(text).map(stripLogcatPrefix);
  const chunks: string[][] = [];
  let current: string[] = [];
  let hasTimings = false;
  for (const entry of logged) {
    const line = entry.replace(SEVERITY_PREFIX, '');
    const isTimings = TIMINGS.test(line) || LEGACY_TIMINGS.test(line);
    if (hasTimings && (isTimings || RUN_START.some((re) => re.test(line)))) {
      chunks.push(current);
      current = [];
      hasTimings = false;
    }
    current.push(entry);
    hasTimings ||= isTimings;
  }
  if (hasTimings) chunks.push(current);
  if (chunks.length === 0) {
    const errors = logged.filter((l) => ERROR_LINE.test(l) || /Benchmarking failed/.test(l));
    throw new RunnerOutputFormatError(TOOL, 'no "Inference timings in us" line (the run did not finish)', errors.length ? errors : logged);
  }
  return chunks.map(parseRun);
}

/** The one run of one invocation; several runs in the text are an error (use parseBenchmarkModelRuns). */
export function parseBenchmarkModelOutput(text: string): BenchmarkModelRun {
  const runs = parseBenchmarkModelRuns(text);
  if (runs.length !== 1) throw new RunnerOutputFormatError(TOOL, `${runs.length} runs where one was expected`);
  return runs[0]!;
}

/** Per-inference layer times from the regular runs' operator-wise table (empty without --enable_op_profiling). */
export function benchmarkModelLayers(run: BenchmarkModelRun): RunnerLayerTiming[] {
  return run.opProfile.regularRuns ? tfliteLayersPerRun(run.opProfile.regularRuns) : [];
}

function parseRun(logged: string[]): BenchmarkModelRun {
  const lines = logged.map((l) => l.replace(SEVERITY_PREFIX, ''));
  const num = (s: string | undefined, field: string) => toNumber(s, TOOL, field);
  const find = (re: RegExp) => {
    for (const l of lines) {
      const m = re.exec(l);
      if (m) return m;
    }
    return null;
  };

  let timings: BenchmarkModelTimings;
  const t = find(TIMINGS);
  if (t) {
    timings = {
      initUs: num(t[1], 'Init'),
      firstInferenceUs: num(t[2], 'First inference'),
      warmupAvgUs: num(t[3], 'Warmup (avg)'),
      inferenceAvgUs: num(t[4], 'Inference (avg)'),
    };
  } else {
    const legacy = find(LEGACY_TIMINGS)!;
    timings = { warmupAvgUs: num(legacy[1], 'Warmup'), initUs: num(legacy[2], 'Init'), firstInferenceUs: null, inferenceAvgUs: num(legacy[3], 'Inference') };
  }

  // Bare stat lines are the phases' own (the profiler's are prefixed "Timings (microseconds): ").
  // Warm-up always runs before the regular runs, so the last is the regular one.
  const stats = lines.flatMap((l) => {
    const m = STAT.exec(l);
    return m ? [parseStat(m)] : [];
  });
  const initialized = find(INITIALIZED);
  const size = find(MODEL_SIZE);
  const delta = find(MEMORY_DELTA);
  const peak = find(PEAK);
  const rss = new Map(
    lines.flatMap((l) => {
      const m = RSS.exec(l);
      return m ? [[m[2]!, num(m[3], m[2]!)] as const] : [];
    }),
  );
  const delegations = lines.flatMap((l) => {
    const m = DELEGATION.exec(l);
    return m
      ? [{ delegate: m[3]!, replacedNodes: num(m[1], 'replaced nodes'), totalNodes: num(m[2], 'total nodes'), partitions: num(m[4], 'partitions') }]
      : [];
  });

  return {
    timings,
    initializedMs: initialized ? num(initialized[1], 'Initialized session in') : null,
    modelSizeMb: size ? num(size[1], 'model file size') : null,
    warmup: stats.length >= 2 ? stats[stats.length - 2]! : null,
    inference: stats.length >= 1 ? stats[stats.length - 1]! : null,
    memoryDeltaMb: delta ? { init: num(delta[1], 'memory delta init'), overall: num(delta[2], 'memory delta overall') } : null,
    peakMemoryMb: peak ? num(peak[1], 'peak memory footprint') : null,
    rssMb: rss.has('VmRSS') ? { vmRss: rss.get('VmRSS')!, anon: rss.get('RssAnnon') ?? 0, fileAndShmem: rss.get('RssFile + RssShmem') ?? 0 } : null,
    delegations,
    opProfile: opProfile(lines),
    errors: logged.filter((l) => ERROR_LINE.test(l)),
  };
}

function parseStat(m: RegExpExecArray): TfliteRunStat {
  const num = (s: string | undefined, field: string) => toNumber(s, TOOL, `stat ${field}`);
  const opt = (s: string | undefined, field: string) => (s === undefined ? null : num(s, field));
  const curr = num(m[3], 'curr');
  // "count=N curr=X(all same)": every run took X.
  const allSame = m[6] === undefined;
  return {
    count: num(m[1], 'count'),
    firstUs: opt(m[2], 'first'),
    currUs: curr,
    minUs: allSame ? curr : num(m[4], 'min'),
    maxUs: allSame ? curr : num(m[5], 'max'),
    avgUs: allSame ? curr : num(m[6], 'avg'),
    stdUs: allSame ? 0 : num(m[7], 'std'),
    p5Us: opt(m[8], 'p5'),
    medianUs: opt(m[9], 'median'),
    p95Us: opt(m[10], 'p95'),
  };
}

function opProfile(lines: string[]): BenchmarkModelRun['opProfile'] {
  const init = lines.findIndex((l) => l.trim() === INIT_PROFILE);
  const run = lines.findIndex((l) => l.trim() === RUN_PROFILE);
  const section = (start: number, end: number) => (start < 0 ? null : parseTfliteProfileSummary(lines.slice(start + 1, end).join('\n')));
  return {
    initialization: section(init, run > init ? run : lines.length),
    regularRuns: section(run, init > run ? init : lines.length),
  };
}
