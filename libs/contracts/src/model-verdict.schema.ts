/** Whether an engine can run an artifact, known before any job runs (libs/model-inspect's framework-verdicts.ts). */
import { z } from 'zod';
import { FRAMEWORKS } from './frameworks.js';

export const VERDICTS = ['runnable', 'not_runnable', 'unknown'] as const;

export const FrameworkVerdictSchema = z.object({
  framework: z.enum(FRAMEWORKS),
  verdict: z.enum(VERDICTS),
  /** Why not (or why unknown): the op and its domain where one is at fault. */
  reasons: z.array(z.object({ op: z.string().optional(), domain: z.string().optional(), why: z.string() })),
  /** The engine version and coverage data the verdict rests on. */
  basis: z.string(),
});
export type FrameworkVerdict = z.infer<typeof FrameworkVerdictSchema>;
