/**
 * Reads ONNX Runtime's Chrome-trace profile into per-node mean times per inference. Only
 * `<node>_kernel_time` events of category "Node" carry a kernel's own duration; the fence events
 * around them are synchronisation, not work. Session-level `model_run` events delimit inferences,
 * which lets the warm-up inferences be left out and the typical runs be picked.
 */
import type { RunnerLayerTiming } from '@farm/contracts';
import { layerRunTimes } from './profile-warmup.js';

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string; provider?: string };
}

const KERNEL_SUFFIX = '_kernel_time';

/**
 * @param skipRuns leading inferences to leave out (the profiled session's warm-up).
 * Of the rest, each node's time is its median over the runs (see layerMedians), and its time in
 * each run is kept as its samples. Times are summed
 * per node within an inference first, so a node that runs twice per inference reports its total
 * per inference. `runs` is how many profiled inferences were kept after the warm-up.
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
  const runOf = (ts: number) => kept.findIndex(([start, end]) => ts >= start && ts <= end);

  // Per kept run: node name -> microseconds.
  const perRun = kept.map(() => new Map<string, number>());
  const opTypes = new Map<string, string>();
  for (const ev of events) {
    if (ev?.cat !== 'Node' || typeof ev.name !== 'string' || !ev.name.endsWith(KERNEL_SUFFIX)) continue;
    if (typeof ev.ts !== 'number') continue;
    const run = runOf(ev.ts);
    if (run < 0) continue;
    const name = ev.name.slice(0, -KERNEL_SUFFIX.length);
    if (!opTypes.has(name)) opTypes.set(name, ev.args?.op_name ?? 'unknown');
    perRun[run]!.set(name, (perRun[run]!.get(name) ?? 0) + (typeof ev.dur === 'number' ? ev.dur : 0));
  }
  const names = [...opTypes.keys()];
  const times = layerRunTimes(
    perRun.map((m) => names.map((n) => m.get(n) ?? 0)),
    1 / 1000,
  );
  const layers = names.map((name, i) => ({ name, opType: opTypes.get(name)!, ...times[i]! }));
  return { layers, runs: kept.length };
}
