/**
 * Jobs on the suites queue (QueueName.Suites), all run by the worker: starting a night (from a
 * suite's job scheduler), evaluating a finished night, sending one alert, syncing the schedulers
 * with the suites table.
 */
import { z } from 'zod';

export enum SuiteJobName {
  StartNight = 'start-night',
  EvaluateNight = 'evaluate-night',
  SendAlert = 'send-alert',
  SyncSchedules = 'sync-schedules',
}

export const StartNightPayloadSchema = z.object({ suiteId: z.string().uuid() }).strict();
export const EvaluateNightPayloadSchema = z.object({ nightId: z.string().uuid() }).strict();
export const SendAlertPayloadSchema = z.object({ regressionId: z.string().uuid(), url: z.string().url(), format: z.enum(['json', 'slack']) }).strict();
export const SyncSchedulesPayloadSchema = z.object({}).strict();

/** The job scheduler id of a suite's schedule: one per suite, whoever upserts it. */
export function suiteSchedulerId(suiteId: string): string {
  return `suite.${suiteId}`;
}
