/**
 * The robust statistics and the layer-sum judgement of a stored result. Rows written before
 * those columns existed have them null; they are then computed from the stored raw latencies and
 * layers with the same functions ingestion uses, so an old result reads like a new one.
 */
import { judgeLayerSum, type LayerBasis, type LayerSum } from '@farm/contracts';
import { latencyStats, type LatencyStats } from '@farm/stats';
import type { ResultRow } from './results.repository.js';

export type RobustStats = Pick<LatencyStats, 'madMs' | 'iqrMs' | 'robustSpread' | 'outliersLow' | 'outliersHigh' | 'medianCi'>;

type StatsColumns = Pick<
  ResultRow,
  'latenciesMs' | 'madMs' | 'iqrMs' | 'robustSpread' | 'outliersLow' | 'outliersHigh' | 'medianCiLowMs' | 'medianCiHighMs' | 'medianCiLevel'
>;

export function robustStats(r: StatsColumns): RobustStats {
  if (
    r.madMs !== null &&
    r.iqrMs !== null &&
    r.robustSpread !== null &&
    r.outliersLow !== null &&
    r.outliersHigh !== null &&
    r.medianCiLowMs !== null &&
    r.medianCiHighMs !== null &&
    r.medianCiLevel !== null
  ) {
    return {
      madMs: r.madMs,
      iqrMs: r.iqrMs,
      robustSpread: r.robustSpread,
      outliersLow: r.outliersLow,
      outliersHigh: r.outliersHigh,
      medianCi: { lowMs: r.medianCiLowMs, highMs: r.medianCiHighMs, level: r.medianCiLevel },
    };
  }
  const s = latencyStats(r.latenciesMs);
  return { madMs: s.madMs, iqrMs: s.iqrMs, robustSpread: s.robustSpread, outliersLow: s.outliersLow, outliersHigh: s.outliersHigh, medianCi: s.medianCi };
}

export function storedLayerSum(r: Pick<ResultRow, 'layers' | 'medianMs' | 'layerSumMs' | 'layerSumRatio' | 'layerBasis' | 'layerNote'>): LayerSum {
  if (r.layerBasis !== null)
    return { layerSumMs: r.layerSumMs, layerSumRatio: r.layerSumRatio, layerBasis: r.layerBasis as LayerBasis, layerNote: r.layerNote };
  return judgeLayerSum(
    r.layers.map((l) => l.timeMs),
    r.medianMs,
  );
}
