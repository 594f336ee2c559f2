/**
 * Parses the op-profiling summary TFLite prints (the same tables benchmark_model writes with
 * --enable_op_profiling) into per-layer means. Header-driven, because TFLite versions differ in
 * columns (older ones have [start]) and XNNPACK op names contain spaces.
 */
import type { RunnerLayerTiming } from '@farm/contracts';
import { RunnerOutputFormatError, toNumber } from './parsers/runner-output-format.error.js';

export interface TfliteProfileRow {
  nodeType: string;
  name: string;
  firstMs: number;
  avgMs: number;
  timesCalled: number;
}

export interface TfliteProfileSummary {
  /** The interpreter's own nodes (a delegated partition appears as one node). */
  primary: TfliteProfileRow[];
  /** Per-operator rows inside a delegate (XNNPACK), when the delegate reports them. */
  delegateInternal: TfliteProfileRow[];
}

const TOOL = 'TFLite op profile';
const TABLE_TITLE = /^=+ (Run Order|Top by Computation Time|Summary by node type) =+$/;

export function parseTfliteProfileSummary(text: string): TfliteProfileSummary {
  const lines = text.split(/\r?\n/);
  const marker = lines.findIndex((l) => l.trim().startsWith('Delegate internal:'));
  const primaryLines = marker >= 0 ? lines.slice(0, marker) : lines;
  const delegateLines = marker >= 0 ? lines.slice(marker + 1) : [];
  return { primary: parseRunOrder(primaryLines), delegateInternal: parseRunOrder(delegateLines) };
}

function cells(line: string): string[] {
  return line
    .split('\t')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

function parseRunOrder(lines: string[]): TfliteProfileRow[] {
  const start = lines.findIndex((l) => TABLE_TITLE.exec(l.trim())?.[1] === 'Run Order');
  if (start < 0 || start + 1 >= lines.length) return [];
  const header = cells(lines[start + 1]!).map((h) => h.replace(/^\[|\]$/g, '').toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const [iType, iFirst, iAvg, iTimes, iName] = [col('node type'), col('first'), col('avg ms'), col('times called'), col('name')];
  if ([iType, iFirst, iAvg, iTimes, iName].some((i) => i < 0)) {
    throw new RunnerOutputFormatError(TOOL, `a Run Order header without [node type], [first], [avg ms], [times called] or [Name]: ${lines[start + 1]}`);
  }
  const rows: TfliteProfileRow[] = [];
  for (const line of lines.slice(start + 2)) {
    if (line.trim() === '' || TABLE_TITLE.test(line.trim())) break;
    const c = cells(line);
    if (c.length !== header.length) throw new RunnerOutputFormatError(TOOL, `a row has ${c.length} fields where the header has ${header.length}: ${line}`);
    rows.push({
      nodeType: c[iType]!,
      name: c[iName]!,
      firstMs: toNumber(c[iFirst], TOOL, '[first]'),
      avgMs: toNumber(c[iAvg], TOOL, '[avg ms]'),
      timesCalled: toNumber(c[iTimes], TOOL, '[times called]'),
    });
  }
  return rows;
}

/**
 * Per-inference layer times from a summary taken once after `inferences` runs on a fresh
 * profiling interpreter. TFLite's avg is per call and includes the very first (cold) call, so the
 * first call is taken out before scaling by calls per inference.
 */
export function tfliteLayers(summary: TfliteProfileSummary, inferences: number): RunnerLayerTiming[] {
  return summaryLayers(summary, (r) => {
    if (r.timesCalled <= 1) return r.avgMs;
    const meanAfterFirst = (r.avgMs * r.timesCalled - r.firstMs) / (r.timesCalled - 1);
    return Math.max(0, meanAfterFirst * (r.timesCalled / inferences));
  });
}

/**
 * Per-inference layer times from benchmark_model's "Regular Benchmark Runs" table. There the
 * warm-up runs are not profiled and [times called] is already per run, so a layer's time per
 * inference is its mean per call times its calls per run.
 */
export function tfliteLayersPerRun(summary: TfliteProfileSummary): RunnerLayerTiming[] {
  return summaryLayers(summary, (r) => r.avgMs * r.timesCalled);
}

function summaryLayers(summary: TfliteProfileSummary, perInference: (r: TfliteProfileRow) => number): RunnerLayerTiming[] {
  const delegated = summary.delegateInternal.map((r) => ({
    name: r.name,
    // "Delegate/Convolution (NHWC, F32) IGEMM:0" -> "Convolution (NHWC, F32) IGEMM"
    opType: r.name.replace(/^Delegate\//, '').replace(/:\d+$/, ''),
    timeMs: perInference(r),
  }));
  // With per-op rows from the delegate, its single partition node would count the same time twice.
  const primary = summary.primary
    .filter((r) => delegated.length === 0 || !/Delegate/i.test(r.nodeType))
    .map((r) => ({ name: r.name, opType: r.nodeType, timeMs: perInference(r) }));
  return [...primary, ...delegated];
}
