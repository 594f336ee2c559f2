import { z } from 'zod';
import { COMPUTE_UNITS } from './benchmark-options.schema.js';
import { LAYER_BASES } from './layer-sum.js';
import { OP_CLASSES } from './op-class.js';

/**
 * One op class of a cell's layer profile. `share` (of the profiled time) is always there;
 * `timeMs` only when the cell's layer basis is "ms" or "estimated" (then the times are Core ML's
 * cost-share estimates, and every view says so): when the per-layer sum does not match the
 * end-to-end time (or the runner says its times are proportions), it is null, so no client can
 * chart milliseconds that were not measured.
 */
export const CompareOpClassSchema = z.object({ opClass: z.enum(OP_CLASSES), share: z.number(), timeMs: z.number().nullable() });
export type CompareOpClass = z.infer<typeof CompareOpClassSchema>;

/** Distribution-free interval of a median (order statistics) and its exact coverage. */
export const MedianCiSchema = z.object({ lowMs: z.number(), highMs: z.number(), level: z.number() });

/** GET /compare: one cell per (device, framework label, artifact): its latest result, with the per-op-class breakdown. */
export const CompareCellSchema = z
  .object({
    deviceId: z.string(),
    deviceName: z.string(),
    /** From an emulated device: the timings are emulation, never phone performance; every view labels them so. */
    emulated: z.boolean(),
    /** The framework, with the variant ("(int8)") and Core ML compute units ("[cpuAndNeuralEngine]") when set. */
    framework: z.string(),
    frameworkVersion: z.string(),
    /** Core ML cells: the compute units the model was loaded with; null elsewhere or when Core ML chose (all). */
    computeUnits: z.enum(COMPUTE_UNITS).nullable(),
    artifactId: z.string(),
    format: z.string(),
    jobId: z.string(),
    medianMs: z.number(),
    medianCi: MedianCiSchema,
    p90Ms: z.number(),
    cv: z.number(),
    /** Median absolute deviation and interquartile range of the timed runs. */
    madMs: z.number(),
    iqrMs: z.number(),
    /** IQR / median: what "noisy" is judged on (see NOISY_SPREAD). */
    robustSpread: z.number(),
    /** Runs outside Tukey's fences (1.5 IQR); counted, never dropped. */
    outliersLow: z.number().int(),
    outliersHigh: z.number().int(),
    runs: z.number().int(),
    measuredAt: z.string(),
    /** Sum of the per-layer times and its ratio to the median; null without a layer profile. */
    layerSumMs: z.number().nullable(),
    layerSumRatio: z.number().nullable(),
    /** "ms": op-class times are milliseconds; "shares": only their proportions are meaningful (layerNote says why); "estimated": ms estimated from cost shares, not measured. */
    layerBasis: z.enum(LAYER_BASES).nullable(),
    layerNote: z.string().nullable(),
    opClasses: z.array(CompareOpClassSchema),
  })
  .meta({ id: 'CompareCell' });
export type CompareCell = z.infer<typeof CompareCellSchema>;

/**
 * Above this robust spread (IQR / median) a median is flagged as noisy. 0.10 because the middle
 * half of the runs then spans more than a tenth of the median: a difference of a few percent
 * between two cells sits inside the bulk of either one's runs. IQR/median is used instead of CV
 * because CV is dominated by a few 2-4x outliers (a frequency switch, a neighbour waking up) even
 * when the bulk of the runs is tight; those outliers are counted separately. On a quiet host a
 * BlazeFace run sits at 1-4%; a loaded or frequency-hopping one goes well past 10%. The CLI uses
 * the constant directly; the dashboard reads it from /compare (`noisySpread`).
 */
export const NOISY_SPREAD = 0.1;

const PairSideSchema = z.object({ framework: z.string(), artifactId: z.string(), jobId: z.string() });

/**
 * A verdict between two cells of one device from their raw latencies: ratio = median(a) /
 * median(b) with a seeded percentile-bootstrap interval. `a` is the cell with the lower median.
 * "same" when the interval contains 1; otherwise a is faster (or slower) by differencePct
 * [differenceLowPct, differenceHighPct] of b's median.
 */
export const ComparePairSchema = z
  .object({
    deviceId: z.string(),
    deviceName: z.string(),
    a: PairSideSchema,
    b: PairSideSchema,
    ratio: z.number(),
    low: z.number(),
    high: z.number(),
    level: z.number(),
    resamples: z.number().int(),
    verdict: z.enum(['faster', 'slower', 'same']),
    differencePct: z.number(),
    differenceLowPct: z.number(),
    differenceHighPct: z.number(),
    /** The verdict as a sentence, e.g. "onnxruntime is faster than opencv-dnn by 58% [55%, 61%]". */
    text: z.string(),
  })
  .meta({ id: 'ComparePair' });
export type ComparePair = z.infer<typeof ComparePairSchema>;

export const CompareResponseSchema = z
  .object({
    modelId: z.string(),
    modelName: z.string(),
    devices: z.array(z.object({ id: z.string(), name: z.string(), platform: z.string(), emulated: z.boolean() })),
    frameworks: z.array(z.string()),
    cells: z.array(CompareCellSchema),
    /** NOISY_SPREAD, so clients that cannot import this library flag the same cells: noisy when robustSpread > noisySpread. */
    noisySpread: z.number(),
    /** Every pair of cells on the same device, with its verdict. */
    pairs: z.array(ComparePairSchema),
  })
  .meta({ id: 'CompareResponse' });
export type CompareResponse = z.infer<typeof CompareResponseSchema>;
