import { z } from 'zod';
import { BenchmarkRequestSchema } from './benchmark-request.schema.js';

/**
 * GET /compare/advice: the practitioners' rules applied to a model's graph and its measured,
 * aligned layers. Every item says what triggered it (the nodes and, per measured result, the
 * share of profiled time they took) and what is known of the gain: a figure only where the farm
 * measured the alternative (with its interval), otherwise a sentence saying it was not measured.
 */
export const ADVICE_RULES = [
  'channels-not-multiple-of-8',
  'unfolded-batchnorm',
  'transposed-conv',
  'dilated-conv',
  'int8-slower-than-fp32',
  'best-framework',
  'layer-far-slower',
] as const;
export type AdviceRule = (typeof ADVICE_RULES)[number];

/** One measured result's share of profiled time in the nodes an item is about. */
export const AdviceEvidenceSchema = z.object({
  deviceId: z.string(),
  deviceName: z.string(),
  framework: z.string(),
  jobId: z.string(),
  /** Of that result's profiled time, in the aligned row(s) holding the nodes (a fused group counts whole). */
  share: z.number(),
  /** Milliseconds per inference, when that result's layer times are milliseconds. */
  timeMs: z.number().nullable(),
  /** The engine timed these nodes as their own layer(s), rather than fused into a neighbour. */
  ownLayer: z.boolean(),
});
export type AdviceEvidence = z.infer<typeof AdviceEvidenceSchema>;

/** An end-to-end ratio from raw latencies: median(a) / median(b) with its bootstrap interval. */
export const AdviceRatioSchema = z.object({
  a: z.string(),
  b: z.string(),
  ratio: z.number(),
  low: z.number(),
  high: z.number(),
  level: z.number(),
  verdict: z.enum(['faster', 'slower', 'same']),
  text: z.string(),
});

export const AdviceActionSchema = z.object({
  label: z.string(),
  /** A ready POST /benchmarks body. */
  request: BenchmarkRequestSchema,
});
export type AdviceAction = z.infer<typeof AdviceActionSchema>;

export const AdviceLayerSchema = z.object({
  sourceNodes: z.array(z.string()),
  opTypes: z.array(z.string()),
  /** framework label -> its time (ms, or null with shares only) and share in this row. */
  cells: z.record(z.string(), z.object({ timeMs: z.number().nullable(), share: z.number() })),
  /** Slower over faster, from the two profilers' per-layer medians (the row's interval, where the runners sent per-run samples, is in /compare/layers `deltas`). */
  factor: z.number().nullable(),
});

export const AdviceItemSchema = z
  .object({
    rule: z.enum(ADVICE_RULES),
    severity: z.enum(['high', 'medium', 'info']),
    title: z.string(),
    detail: z.string(),
    deviceId: z.string().nullable(),
    nodes: z.array(z.string()),
    evidence: z.array(AdviceEvidenceSchema),
    /** The largest share among the evidence: what "costly" was judged on. */
    maxShare: z.number(),
    ratio: AdviceRatioSchema.nullable(),
    layers: z.array(AdviceLayerSchema),
    /** A measured gain with its interval, or a sentence saying it was not measured. */
    expectedGain: z.string(),
    actions: z.array(AdviceActionSchema),
  })
  .meta({ id: 'AdviceItem' });
export type AdviceItem = z.infer<typeof AdviceItemSchema>;

export const AdviceResponseSchema = z
  .object({
    modelId: z.string(),
    modelName: z.string(),
    /** The thresholds the rules used, so a client can say why something was or was not flagged. */
    thresholds: z.object({ costlyShare: z.number(), largeShare: z.number(), farSlowerFactor: z.number() }),
    items: z.array(AdviceItemSchema),
  })
  .meta({ id: 'AdviceResponse' });
export type AdviceResponse = z.infer<typeof AdviceResponseSchema>;
