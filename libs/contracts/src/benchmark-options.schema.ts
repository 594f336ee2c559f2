import { z } from 'zod';

/**
 * Options of one benchmark cell. Every field is an enum or a bounded number: jobs are data,
 * and agents turn them into argument vectors they build themselves.
 */
export const LIMITS = {
  threads: { min: 1, max: 64 },
  warmupRuns: { min: 0, max: 1000 },
  timedRuns: { min: 1, max: 10000 },
  profileRuns: { min: 0, max: 200 },
  dim: { min: 1, max: 16384 },
  rank: { max: 8 },
} as const;

const inputName = z.string().min(1).max(256);
const dim = z.number().int().min(LIMITS.dim.min).max(LIMITS.dim.max);

export const BenchmarkOptionsSchema = z
  .object({
    threads: z.number().int().min(LIMITS.threads.min).max(LIMITS.threads.max).default(1),
    warmupRuns: z.number().int().min(LIMITS.warmupRuns.min).max(LIMITS.warmupRuns.max).default(5),
    timedRuns: z.number().int().min(LIMITS.timedRuns.min).max(LIMITS.timedRuns.max).default(50),
    /** Extra runs with the framework's profiler on; kept apart from timed runs so profiling never skews latency. */
    profileRuns: z.number().int().min(LIMITS.profileRuns.min).max(LIMITS.profileRuns.max).default(10),
    /** Concrete shapes for inputs whose declared shape has dynamic dims. */
    inputShapes: z.record(inputName, z.array(dim).max(LIMITS.rank.max)).optional(),
    /** Seed for the synthetic inputs, so two runs feed the same bytes. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
  })
  .strict();
export type BenchmarkOptions = z.infer<typeof BenchmarkOptionsSchema>;
export type BenchmarkOptionsInput = z.input<typeof BenchmarkOptionsSchema>;
