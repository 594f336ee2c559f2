/**
 * Reads ONNX Runtime's Chrome-trace profile into per-node mean times per inference. Only
 * `<node>_kernel_time` events of category "Node" carry a kernel's own duration; the fence events
 * around them are synchronisation, not work. Session-level `model_run` events delimit inferences,
 * which lets the first (cold) profiled inference be left out.
 */
import type { RunnerLayerTiming } from '@farm/contracts';

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string; provider?: string };
}

const KERNEL_SUFFIX = '_kernel_time';

/**
 * @param skipRuns leading inferences to leave out (cold caches, arena growth).
 * Times are summed per node over the kept inferences and divided by their count, so a node that
 * runs twice per inference reports its total per inference.
 */
export function parseOrtProfile(trace: unknown, skipRuns = 0): { layers: RunnerLayerTiming[]; runs: number } {
  if (!Array.isArray(trace)) throw new Error('onnxruntime profile is not a JSON array of trace events');
  const events = trace as TraceEvent[];
  const windows = events
    .filter((e) => e?.cat === 'Session' && e.name === 'model_run' && typeof e.ts === 'number' && typeof e.dur === 'number')
    .map((e) => [e.ts!, e.ts! + e.dur!] as const)
    .sort((a, b) => a[0] - b[0]);
  if (windows.length === 0) throw new Error('onnxruntime profile has no model_run events; cannot tell inferences apart');
  const kept = windows.slice(Math.min(skipRuns, windows.length - 1));
  const inKept = (ts: number) => kept.some(([start, end]) => ts >= start && ts <= end);

  const totals = new Map<string, { opType: string; us: number }>();
  for (const ev of events) {
    if (ev?.cat !== 'Node' || typeof ev.name !== 'string' || !ev.name.endsWith(KERNEL_SUFFIX)) continue;
    if (typeof ev.ts !== 'number' || !inKept(ev.ts)) continue;
    const name = ev.name.slice(0, -KERNEL_SUFFIX.length);
    const entry = totals.get(name) ?? { opType: ev.args?.op_name ?? 'unknown', us: 0 };
    entry.us += typeof ev.dur === 'number' ? ev.dur : 0;
    totals.set(name, entry);
  }
  const runs = kept.length;
  return { layers: [...totals].map(([name, { opType, us }]) => ({ name, opType, timeMs: us / 1000 / runs })), runs };
}
