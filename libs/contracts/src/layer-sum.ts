/**
 * Whether a result's per-layer times can be read as milliseconds. A profiler adds its own cost
 * (timestamps, fences, trace buffers) and some engines time only what runs inside a delegate, so
 * the per-layer sum can drift from the end-to-end time. Within LAYER_SUM_BOUNDS the layer times
 * are shown as milliseconds; outside, they are shown as shares of the total, with the reason, so
 * a chart never claims milliseconds that did not happen.
 */
export const LAYER_SUM_BOUNDS = { low: 0.8, high: 1.25 } as const;

/** ms: measured per layer. shares: proportions only. estimated: a model's estimated cost shares times the measured median (Core ML's MLComputePlan), never a measurement. */
export const LAYER_BASES = ['ms', 'shares', 'estimated'] as const;
export type LayerBasis = (typeof LAYER_BASES)[number];

export interface LayerSum {
  layerSumMs: number | null;
  /** layer sum / end-to-end median; null without layers. */
  layerSumRatio: number | null;
  layerBasis: LayerBasis | null;
  layerNote: string | null;
}

/**
 * @param runnerBasis what the runner itself says about its profiler ("shares" when it knows its
 *   times are only proportions), with its reason; the ratio check applies on top of it.
 */
export function judgeLayerSum(layerTimesMs: readonly number[], medianMs: number, runnerBasis?: { basis: LayerBasis; note?: string }): LayerSum {
  if (layerTimesMs.length === 0) return { layerSumMs: null, layerSumRatio: null, layerBasis: null, layerNote: null };
  const sum = layerTimesMs.reduce((s, t) => s + t, 0);
  const ratio = medianMs > 0 ? sum / medianMs : null;
  // Estimated times sum to the median by construction: the ratio check would prove nothing, so the label stays.
  if (runnerBasis?.basis === 'estimated')
    return { layerSumMs: sum, layerSumRatio: ratio, layerBasis: 'estimated', layerNote: runnerBasis.note ?? 'per-layer times are estimated, not measured' };
  if (runnerBasis?.basis === 'shares')
    return { layerSumMs: sum, layerSumRatio: ratio, layerBasis: 'shares', layerNote: runnerBasis.note ?? 'the runner reports proportions only' };
  if (ratio === null || ratio < LAYER_SUM_BOUNDS.low || ratio > LAYER_SUM_BOUNDS.high) {
    const shown = ratio === null ? 'cannot be related to a zero median' : `is ${ratio.toFixed(2)}x the end-to-end median`;
    return {
      layerSumMs: sum,
      layerSumRatio: ratio,
      layerBasis: 'shares',
      layerNote: `the per-layer sum (${sum.toFixed(3)} ms) ${shown}, outside ${LAYER_SUM_BOUNDS.low}-${LAYER_SUM_BOUNDS.high}: layer times are shown as shares of the total`,
    };
  }
  return { layerSumMs: sum, layerSumRatio: ratio, layerBasis: 'ms', layerNote: runnerBasis?.note ?? null };
}
