/**
 * The classes every engine failure falls into, whichever engine ran. Each runner's engine has one
 * classifier (device-agents/agent/src/runners/engine-errors.ts) that maps its messages onto these;
 * the class alone decides whether the queue retries, and which error code the job stores.
 */
import type { ErrorCode } from './error-codes.js';

export const ENGINE_ERROR_CLASSES = ['model_rejected', 'invalid_input', 'out_of_memory', 'crash', 'timeout'] as const;
export type EngineErrorClass = (typeof ENGINE_ERROR_CLASSES)[number];

export const ENGINE_ERROR_CODES: Readonly<Record<EngineErrorClass, ErrorCode>> = {
  model_rejected: 'RUNNER_MODEL_REJECTED',
  invalid_input: 'RUNNER_INVALID_INPUT',
  out_of_memory: 'RUNNER_OUT_OF_MEMORY',
  crash: 'RUNNER_CRASHED',
  timeout: 'RUNNER_TIMEOUT',
};

/**
 * Only a crash or a timeout may pass on another attempt: the same model, inputs and engine are
 * refused, or run out of memory, the same way every time.
 */
export function engineErrorRetryable(cls: EngineErrorClass): boolean {
  return cls === 'crash' || cls === 'timeout';
}
