import { z } from 'zod';
import { ComparePairSchema, MedianCiSchema } from './compare.schema.js';
import { LAYER_BASES } from './layer-sum.js';
import { OP_CLASSES } from './op-class.js';

/**
 * GET /compare/layers: one model's results laid side by side layer by layer. Every result's
 * profiled layers are mapped to the model's source graph (its original ONNX; TFLite for a
 * TFLite-only model), and a row is the smallest set of source nodes that every compared engine
 * times as a whole (one node, or a fused group such as conv+BN+ReLU).
 *
 * Per-layer times are what each profiler reports: a median over the profiled runs. Where the
 * runner also sent each layer's time in every profiled run, a row's cell sums them per run, and
 * every pair of columns gets a per-layer delta with a bootstrap interval (`deltas`); without those
 * samples the delta has no interval and says so (verdict "unknown"). The end-to-end comparison
 * (`pairs`, from the raw latencies) sits beside them.
 */

export const MATCH_METHODS = ['name', 'output', 'qdq', 'sequence', 'shape', 'unmatched'] as const;

const DeviceSideSchema = z.object({ deviceId: z.string(), deviceName: z.string(), emulated: z.boolean(), jobId: z.string(), artifactId: z.string() });

/**
 * One framework on two devices: the cross-device ratio median(a) / median(b) of the raw
 * latencies with its seeded bootstrap interval; `a` is the device with the lower median. A pair
 * with an emulated device says so in its text: emulation timings are not device performance.
 */
export const CrossDevicePairSchema = ComparePairSchema.omit({ deviceId: true, deviceName: true, a: true, b: true }).extend({
  framework: z.string(),
  a: DeviceSideSchema,
  b: DeviceSideSchema,
});
export type CrossDevicePair = z.infer<typeof CrossDevicePairSchema>;

/** One compared result: a (device, framework, artifact) cell. */
export const LayerCompareColumnSchema = z.object({
  /** The result's job id: the key of this column in every row's `cells`. */
  key: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  emulated: z.boolean(),
  framework: z.string(),
  artifactId: z.string(),
  format: z.string(),
  variant: z.string(),
  medianMs: z.number(),
  medianCi: MedianCiSchema,
  loadMs: z.number(),
  firstInferenceMs: z.number(),
  layerBasis: z.enum(LAYER_BASES).nullable(),
  layerNote: z.string().nullable(),
  /** Sum of this result's profiled layer times (ms per inference). */
  profiledMs: z.number(),
  profiledLayers: z.number().int(),
  /** Share of the profiled time in layers matched to source nodes, and in matches below `lowConfidenceBelow`. */
  matchedShare: z.number(),
  lowConfidenceShare: z.number(),
  /** int8 variants: agreement with the fp32 reference, as the runner measured it. */
  agreement: z.object({ cosine: z.number(), maxAbsError: z.number(), meanAbsError: z.number(), referenceFramework: z.string() }).nullable(),
});
export type LayerCompareColumn = z.infer<typeof LayerCompareColumnSchema>;

export const LayerCompareCellSchema = z.object({
  /** Milliseconds only when the column's layer basis is "ms"; otherwise null and only `share` is meaningful. */
  timeMs: z.number().nullable(),
  /** Of the column's profiled time. */
  share: z.number(),
  /** The engine's own layer names that make up this cell. */
  layers: z.array(z.string()),
  /** Match confidence of those layers weighted by their time (1 = all by exact name); zero-time cells take their lowest. */
  confidence: z.number(),
  methods: z.array(z.enum(MATCH_METHODS)),
  /** Per-run samples behind this cell (0 when its runner gave no runs apart). */
  runs: z.number().int().nonnegative(),
});
export type LayerCompareCell = z.infer<typeof LayerCompareCellSchema>;

/**
 * One row's comparison of column b against column a (a before b in `columns`): b / a and b - a of
 * the per-run medians, in milliseconds when both columns' layer times are, else in shares of each
 * column's per-run profiled time. The intervals are percentile bootstraps of the medians over the
 * per-run samples; null when either side has fewer than 5 (no samples, or too few profiled runs
 * for a bootstrap to mean anything): verdict "unknown".
 */
export const LayerDeltaSchema = z.object({
  a: z.string(),
  b: z.string(),
  basis: z.enum(['ms', 'shares']),
  /** null when a's value is zero. */
  ratio: z.number().nullable(),
  ratioLow: z.number().nullable(),
  ratioHigh: z.number().nullable(),
  difference: z.number(),
  differenceLow: z.number().nullable(),
  differenceHigh: z.number().nullable(),
  level: z.number().nullable(),
  /** b against a: "faster"/"slower" when the difference interval excludes 0, "same" (no detectable difference) when it holds 0. */
  verdict: z.enum(['faster', 'slower', 'same', 'unknown']),
  runs: z.object({ a: z.number().int(), b: z.number().int() }),
});
export type LayerDelta = z.infer<typeof LayerDeltaSchema>;

export const LayerCompareRowSchema = z.object({
  key: z.string(),
  sourceNodes: z.array(z.string()),
  opTypes: z.array(z.string()),
  /** The class of the row's main node (its conv, when it has one). */
  opClass: z.enum(OP_CLASSES),
  /** More than one source node: some engine fused them, and all columns are summed over the group. */
  group: z.boolean(),
  /** Some column matched this row below `lowConfidenceBelow`. */
  lowConfidence: z.boolean(),
  /** Column key -> that column's time here; null when that engine reported nothing for these nodes. */
  cells: z.record(z.string(), LayerCompareCellSchema.nullable()),
  /** Every pair of columns that both timed this row. */
  deltas: z.array(LayerDeltaSchema),
});
export type LayerCompareRow = z.infer<typeof LayerCompareRowSchema>;

export const UnmatchedLayerSchema = z.object({ name: z.string(), opType: z.string(), share: z.number(), timeMs: z.number().nullable() });

export const LayerCompareResponseSchema = z
  .object({
    modelId: z.string(),
    modelName: z.string(),
    /** device: every framework on one device; framework: one framework across devices. */
    scope: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('device'), deviceId: z.string(), deviceName: z.string() }),
      z.object({ kind: z.literal('framework'), framework: z.string() }),
    ]),
    source: z.object({ artifactId: z.string(), format: z.string(), fileName: z.string(), nodes: z.number().int() }),
    lowConfidenceBelow: z.number(),
    columns: z.array(LayerCompareColumnSchema),
    rows: z.array(LayerCompareRowSchema),
    /** Per column key: layers that could not be placed in the source graph (engine-inserted ops, unknown names). */
    unmatched: z.record(z.string(), z.array(UnmatchedLayerSchema)),
    opClasses: z.array(z.object({ opClass: z.enum(OP_CLASSES), cells: z.record(z.string(), z.object({ share: z.number(), timeMs: z.number().nullable() })) })),
    /** End-to-end verdicts (ratio of medians, bootstrap interval) between columns on the same device. */
    pairs: z.array(ComparePairSchema),
    /** Framework scope: the same framework on two devices, end to end (empty in device scope). */
    devicePairs: z.array(CrossDevicePairSchema),
  })
  .meta({ id: 'LayerCompareResponse' });
export type LayerCompareResponse = z.infer<typeof LayerCompareResponseSchema>;
