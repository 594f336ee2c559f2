/**
 * What runner-host.ts reads and writes: the request file it is started with, and the JSON lines
 * it prints on stdout. Shared by the host and run-isolated.ts so both sides parse one schema.
 */
import { z } from 'zod';
import { BenchmarkOptionsSchema, FRAMEWORKS, RunnerOutputSchema, TensorSpecSchema } from '@farm/contracts';
import { RunnerSettingsSchema } from '../runners/runner-settings.js';

export const HostRequestSchema = z
  .object({
    framework: z.enum(FRAMEWORKS),
    modelPath: z.string().min(1),
    weightsPath: z.string().min(1).optional(),
    inputs: z.array(TensorSpecSchema),
    outputs: z.array(TensorSpecSchema),
    options: BenchmarkOptionsSchema,
    /** Uploaded input tensors, by input name: paths in the agent's artifact cache. */
    inputFiles: z.record(z.string(), z.string().min(1)).optional(),
    settings: RunnerSettingsSchema,
    /** The local transport's root (push cache, workspaces), shared with the agent so a pushed file is cached once. */
    transportRoot: z.string().min(1),
    /** The job's workspace, prepared (and cleaned up, even after a kill) by the agent's side. */
    workspaceDir: z.string().min(1),
    /** For a quantized variant: its fp32 model, run once after the benchmark to measure agreement. */
    referenceModelPath: z.string().min(1).optional(),
  })
  .strict();
export type HostRequest = z.infer<typeof HostRequestSchema>;

export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('progress'),
    phase: z.enum(['load', 'warmup', 'timed', 'profile']),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  }),
  z.object({ type: z.literal('result'), output: RunnerOutputSchema }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), permanent: z.boolean(), details: z.unknown().optional() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** Exit status of the host: lets a reader tell outcomes apart even when stdout was lost. */
export const HOST_EXIT = { ok: 0, transient: 1, permanent: 2, badRequest: 3 } as const;
