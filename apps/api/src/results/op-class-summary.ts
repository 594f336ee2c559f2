/**
 * A result's layer time per op class, summed once at ingest and stored on the result
 * (benchmark_results.op_class_summary), so /compare shows its op-class figures without reading
 * layer rows. Sums run in layer order, as the migration's SQL backfill does (sum ... ORDER BY idx),
 * so a stored summary and one computed from the layers agree to the last bit.
 */
export interface OpClassSummary {
  /** Sum of every layer's time. */
  totalMs: number;
  /** Sum of the layer times of each op class the layers name. */
  ms: Record<string, number>;
}

export function opClassSummary(layers: readonly { opClass: string; timeMs: number }[]): OpClassSummary {
  let totalMs = 0;
  const ms: Record<string, number> = {};
  for (const l of layers) {
    totalMs += l.timeMs;
    ms[l.opClass] = (Object.hasOwn(ms, l.opClass) ? ms[l.opClass]! : 0) + l.timeMs;
  }
  return { totalMs, ms };
}

/** The stored summary, or null when the column is empty or not of this shape (then the layers are read). */
export function storedOpClassSummary(v: unknown): OpClassSummary | null {
  const s = v as Partial<OpClassSummary> | null;
  return s && typeof s.totalMs === 'number' && s.ms && typeof s.ms === 'object' ? (s as OpClassSummary) : null;
}
