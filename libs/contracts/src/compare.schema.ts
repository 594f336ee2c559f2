import { z } from 'zod';
import { OP_CLASSES } from './op-class.js';

/** GET /compare: one cell per (device, framework label, artifact): its latest result, with the per-op-class breakdown. */
export const CompareCellSchema = z.object({
  deviceId: z.string(),
  deviceName: z.string(),
  framework: z.string(),
  frameworkVersion: z.string(),
  artifactId: z.string(),
  format: z.string(),
  jobId: z.string(),
  medianMs: z.number(),
  p90Ms: z.number(),
  cv: z.number(),
  runs: z.number().int(),
  measuredAt: z.string(),
  opClasses: z.array(z.object({ opClass: z.enum(OP_CLASSES), timeMs: z.number(), share: z.number() })),
});
export type CompareCell = z.infer<typeof CompareCellSchema>;

/**
 * Above this coefficient of variation a median is flagged as noisy: run-to-run spread is then
 * large enough that differences of a few percent between cells are not meaningful. The CLI uses
 * it directly; the dashboard reads it from /compare (`noisyCv`), as a static page cannot import it.
 */
export const NOISY_CV = 0.1;

export const CompareResponseSchema = z.object({
  modelId: z.string(),
  modelName: z.string(),
  devices: z.array(z.object({ id: z.string(), name: z.string() })),
  frameworks: z.array(z.string()),
  cells: z.array(CompareCellSchema),
  /** NOISY_CV, so clients that cannot import this library flag the same cells. */
  noisyCv: z.number(),
});
export type CompareResponse = z.infer<typeof CompareResponseSchema>;
