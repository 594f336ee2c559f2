/**
 * Parses the summary `onnxruntime_perf_test` prints (onnxruntime/test/perftest/performance_runner.cc)
 * and reads its `-p` profile with the agent's ORT per-node reader. Units as the tool prints them:
 * the average is ms, the latency statistics are seconds (converted to ms here), memory is bytes.
 */
import type { RunnerLayerTiming } from '@farm/contracts';
import { parseOrtProfile } from '../onnxruntime-profile.js';
import { outputLines, RunnerOutputFormatError, toNumber } from './runner-output-format.error.js';

const TOOL = 'onnxruntime_perf_test';

export interface PerfTestLatenciesMs {
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

export interface PerfTestSummary {
  /** "Average inference time cost: X ms", or "... cost total: X ms" on newer builds. */
  averageMs: number;
  /** "Total inference requests: N" (the timed runs; the one warm-up run is not counted). */
  requests: number;
  sessionCreationS: number | null;
  /** Whole milliseconds: the tool casts this one to milliseconds. */
  firstInferenceMs: number | null;
  totalInferenceTimeS: number | null;
  totalRunTimeS: number | null;
  inferencesPerSecond: number | null;
  avgCpuUsagePercent: number | null;
  peakWorkingSetBytes: number | null;
  /** Printed with -s, or when no result file is given; all seven or none. */
  latenciesMs: PerfTestLatenciesMs | null;
}

const AVERAGE = /^Average inference time cost(?: total)?:\s*(\S+)\s*ms\s*$/;
const REQUESTS = /^Total inference requests:\s*(\S+)\s*$/;
const LATENCY = /^(Min|Max|P50|P90|P95|P99|P999) Latency:\s*(\S+)\s*s\s*$/;
const OPTIONAL = {
  sessionCreationS: /^Session creation time cost:\s*(\S+)\s*s\s*$/,
  firstInferenceMs: /^First inference time cost:\s*(\S+)\s*ms\s*$/,
  totalInferenceTimeS: /^Total inference time cost:\s*(\S+)\s*s\s*$/,
  totalRunTimeS: /^Total inference run time:\s*(\S+)\s*s\s*$/,
  inferencesPerSecond: /^Number of inferences per second:\s*(\S+)\s*$/,
  // Printed twice: "Avg CPU usage: 11 %" in the summary and "Avg CPU usage:11" by DumpToFile.
  avgCpuUsagePercent: /^Avg CPU usage:\s*(\S+?)\s*%?\s*$/,
  peakWorkingSetBytes: /^Peak working set size:\s*(\S+?)(?:\s*bytes)?\s*$/,
} as const;

export function parsePerfTestOutput(text: string): PerfTestSummary {
  const lines = outputLines(text).map((l) => l.trim());
  const num = (s: string | undefined, field: string) => toNumber(s, TOOL, field);
  const match = (re: RegExp) => {
    for (const l of lines) {
      const m = re.exec(l);
      if (m) return m[1];
    }
    return undefined;
  };

  const average = match(AVERAGE);
  if (average === undefined) throw new RunnerOutputFormatError(TOOL, 'no "Average inference time cost" line (the run did not finish)', lines);
  const requests = match(REQUESTS);
  if (requests === undefined) throw new RunnerOutputFormatError(TOOL, 'no "Total inference requests" line', lines);

  const optional = Object.fromEntries(
    Object.entries(OPTIONAL).map(([key, re]) => {
      const raw = match(re);
      return [key, raw === undefined ? null : num(raw, key)];
    }),
  ) as Record<keyof typeof OPTIONAL, number | null>;

  const latencies = new Map(
    lines.flatMap((l) => {
      const m = LATENCY.exec(l);
      return m ? [[m[1]!, num(m[2], `${m[1]} Latency`) * 1000] as const] : [];
    }),
  );
  const keys = ['Min', 'Max', 'P50', 'P90', 'P95', 'P99', 'P999'] as const;
  const missing = keys.filter((k) => !latencies.has(k));
  if (latencies.size > 0 && missing.length > 0) {
    throw new RunnerOutputFormatError(TOOL, `latency statistics without ${missing.map((k) => `"${k} Latency"`).join(', ')}`, lines);
  }
  return {
    averageMs: num(average, 'Average inference time cost'),
    requests: num(requests, 'Total inference requests'),
    ...optional,
    latenciesMs:
      latencies.size === 0
        ? null
        : {
            min: latencies.get('Min')!,
            max: latencies.get('Max')!,
            p50: latencies.get('P50')!,
            p90: latencies.get('P90')!,
            p95: latencies.get('P95')!,
            p99: latencies.get('P99')!,
            p999: latencies.get('P999')!,
          },
  };
}

// time cost (a double as ostream prints it), peak working set (size_t), CPU usage (short), run index.
const RESULT_ROW = /^.*,([^,]+),\d+,-?\d+,(\d+)$/;

/**
 * The per-run times from the result file given as perf_test's second positional argument:
 * PerformanceResult::DumpToFile appends one row per timed run,
 * `model_name,time_cost_s,peak_workingset_size,average_CPU_usage,run_index`, then (with -s) a blank
 * line and the statistics. Rows are read from the right, since the model name (the model's directory
 * name) may itself hold commas. Returns milliseconds in run order; the run indexes must be 0..n-1.
 */
export function parsePerfTestResultFile(text: string): number[] {
  const rows = outputLines(text).flatMap((l) => {
    const m = RESULT_ROW.exec(l.trim());
    return m ? [{ seconds: toNumber(m[1], `${TOOL} result file`, 'time_cost'), index: Number(m[2]) }] : [];
  });
  if (rows.length === 0) throw new RunnerOutputFormatError(`${TOOL} result file`, 'no per-run rows');
  rows.forEach((r, i) => {
    if (r.index !== i) throw new RunnerOutputFormatError(`${TOOL} result file`, `row ${i + 1} has run index ${r.index} (a file appended to twice?)`);
  });
  return rows.map((r) => r.seconds * 1000);
}

/**
 * Per-node times from the JSON that `-p <prefix>` writes to `<prefix>_<timestamp>.json`. The
 * profile covers perf_test's one warm-up run too (PerformanceRunner::Run runs one iteration before
 * timing), so that run is left out by default.
 */
export function parsePerfTestProfile(json: string, warmupRuns = 1): { layers: RunnerLayerTiming[]; runs: number } {
  let trace: unknown;
  try {
    trace = JSON.parse(json);
  } catch (err) {
    throw new RunnerOutputFormatError(`${TOOL} profile`, `not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseOrtProfile(trace, warmupRuns);
}
