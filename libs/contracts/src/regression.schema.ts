/**
 * Regressions found by nightly suites: the detection as computed, its attribution (per-layer diff
 * and what changed), the states a person moves it through, and the alert body a webhook receives.
 */
import { z } from 'zod';
import { PageQuerySchema, pageSchema } from './api-common.schema.js';

export const REGRESSION_STATES = ['suspected', 'open', 'acknowledged', 'resolved', 'false_alarm'] as const;
export type RegressionState = (typeof REGRESSION_STATES)[number];
/** The states a person may set (suspected and the move to open belong to the detector). */
export const SETTABLE_REGRESSION_STATES = ['acknowledged', 'resolved', 'false_alarm', 'open'] as const;

export const DetectionSchema = z.object({
  /**
   * step: tonight against the baseline nights; drift: a change point in the series of nightly medians;
   * paired (confirmations only): the baseline's artifact and tonight's run back to back on the same device.
   */
  method: z.enum(['step', 'drift', 'paired']),
  direction: z.enum(['slower', 'faster', 'none']),
  suspect: z.boolean(),
  tonightMedianMs: z.number(),
  baselineMedianMs: z.number(),
  /** tonight / baseline medians, with a bootstrap 95% interval. */
  ratio: z.number(),
  ratioLow: z.number(),
  ratioHigh: z.number(),
  /** Two-sided Mann-Whitney U p-value, tonight's samples against the pooled baseline nights. */
  pValue: z.number(),
  /** The practical threshold applied: max(minChange, noiseFactor x night-to-night noise). */
  threshold: z.number(),
  /** The cell's own night-to-night noise (robust spread of log nightly medians); null below 3 baseline nights. */
  nightNoise: z.number().nullable(),
  baselineNights: z.number().int(),
  /** Change-point over the nightly medians: where the series steps, and its size; null when too short or none. */
  changePoint: z.object({ index: z.number().int(), shift: z.number(), pValue: z.number() }).nullable(),
  /** A paired confirmation's rounds: per round, the median of tonight's artifact over the baseline's (A then B, same device, same session). */
  paired: z.object({ rounds: z.number().int(), roundRatios: z.array(z.number()) }).optional(),
  /** A confirmation that could not be paired says why (the baseline cannot be re-run as it was) and was re-run against the baseline nights. */
  unpairedBecause: z.string().optional(),
  reason: z.string(),
});
export type Detection = z.infer<typeof DetectionSchema>;

export const LayerDiffSchema = z.object({
  name: z.string(),
  opType: z.string(),
  opClass: z.string(),
  baselineMs: z.number().nullable(),
  tonightMs: z.number().nullable(),
  deltaMs: z.number(),
  /** deltaMs over the whole change of the layer sum (can exceed 1 or be negative). */
  shareOfChange: z.number(),
  status: z.enum(['added', 'removed', 'changed', 'same']),
  significant: z.boolean(),
});
export type LayerDiff = z.infer<typeof LayerDiffSchema>;

export const EnvironmentChangeSchema = z.object({
  what: z.enum(['model_version', 'framework_version', 'agent_version', 'os', 'temperature', 'cpu_frequency']),
  baseline: z.union([z.string(), z.number()]).nullable(),
  tonight: z.union([z.string(), z.number()]).nullable(),
});
export type EnvironmentChange = z.infer<typeof EnvironmentChangeSchema>;

export const AttributionSchema = z.object({
  layerSumDeltaMs: z.number(),
  /** Layers ordered by |deltaMs|, at most 50. */
  layers: z.array(LayerDiffSchema),
  opClasses: z.array(z.object({ opClass: z.string(), deltaMs: z.number(), shareOfChange: z.number() })),
  changes: z.array(EnvironmentChangeSchema),
  likelyCause: z.string(),
  /** One line per significant layer: "conv 12: +0.41 ms, 68% of the slowdown". */
  summary: z.array(z.string()),
});
export type Attribution = z.infer<typeof AttributionSchema>;

export const RegressionViewSchema = z
  .object({
    id: z.string(),
    suiteId: z.string(),
    suiteName: z.string(),
    nightId: z.string(),
    nightKey: z.string(),
    modelId: z.string(),
    deviceId: z.string(),
    deviceName: z.string(),
    framework: z.string(),
    options: z.unknown(),
    direction: z.enum(['slower', 'faster']),
    state: z.enum(REGRESSION_STATES),
    detection: DetectionSchema,
    confirmation: DetectionSchema.nullable(),
    attribution: AttributionSchema.nullable(),
    likelyCause: z.string().nullable(),
    resultId: z.string(),
    baselineResultId: z.string(),
    confirmResultId: z.string().nullable(),
    alertedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Regression' });
export type RegressionView = z.infer<typeof RegressionViewSchema>;
export const RegressionPageSchema = pageSchema(RegressionViewSchema, 'RegressionPage');

export const UpdateRegressionRequestSchema = z.object({ state: z.enum(SETTABLE_REGRESSION_STATES) }).strict();

/** The filters and the page (?limit=&cursor=) of GET /regressions; a cursor belongs to the filters it was given with. */
export const ListRegressionsQuerySchema = PageQuerySchema.extend({
  state: z.enum(REGRESSION_STATES).optional(),
  suiteId: z.string().uuid().optional(),
}).strict();
export type ListRegressionsQuery = z.infer<typeof ListRegressionsQuerySchema>;

/** What a generic JSON webhook receives for a confirmed change. */
export const RegressionAlertSchema = z.object({
  kind: z.literal('farm.regression'),
  regression: RegressionViewSchema,
  text: z.string(),
});
export type RegressionAlert = z.infer<typeof RegressionAlertSchema>;

/** One cell's series over the nights of a suite, for the trend view. */
export const TrendPointSchema = z.object({
  nightId: z.string(),
  nightKey: z.string(),
  kind: z.string(),
  createdAt: z.string(),
  resultId: z.string(),
  medianMs: z.number(),
  ciLowMs: z.number().nullable(),
  ciHighMs: z.number().nullable(),
  modelVersion: z.number(),
  frameworkVersion: z.string(),
  agentVersion: z.string().nullable(),
  os: z.string().nullable(),
  temperatureC: z.number().nullable(),
  cpuFreqMHz: z.number().nullable(),
  regressionId: z.string().nullable(),
});
export const TrendCellSchema = z.object({
  cellKey: z.string(),
  modelSlug: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  framework: z.string(),
  points: z.array(TrendPointSchema),
});
export const SuiteTrendsSchema = z.object({ suiteId: z.string(), cells: z.array(TrendCellSchema) }).meta({ id: 'SuiteTrends' });
export type SuiteTrends = z.infer<typeof SuiteTrendsSchema>;
