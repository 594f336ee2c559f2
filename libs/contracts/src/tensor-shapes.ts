/**
 * Resolution of declared input shapes into concrete ones. Shared so the API refuses a
 * benchmark with an unresolved dynamic dim before queuing it, and the agent resolves the same
 * shapes the API checked.
 */
import { DomainError } from './error-codes.js';
import type { TensorSpec } from './tensor.schema.js';

export function isDynamicDim(d: number | string | null): boolean {
  return typeof d !== 'number' || d <= 0;
}

export function resolveInputShapes(inputs: readonly TensorSpec[], given: Record<string, number[]> | undefined): Record<string, number[]> {
  const known = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(given ?? {})) {
    if (!known.has(name)) {
      throw new DomainError('VALIDATION_FAILED', `options.inputShapes names "${name}", which is not an input of this model (inputs: ${[...known].join(', ')})`);
    }
  }
  const out: Record<string, number[]> = {};
  for (const input of inputs) {
    const override = given?.[input.name];
    if (override) {
      if (override.length !== input.shape.length) {
        throw new DomainError('VALIDATION_FAILED', `options.inputShapes["${input.name}"] has rank ${override.length}, but the model declares rank ${input.shape.length} (${formatShape(input.shape)})`);
      }
      input.shape.forEach((d, i) => {
        if (!isDynamicDim(d) && d !== override[i]) {
          throw new DomainError('VALIDATION_FAILED', `options.inputShapes["${input.name}"] dim ${i} is ${override[i]}, but the model fixes it at ${d}`);
        }
      });
      out[input.name] = [...override];
      continue;
    }
    const dyn = input.shape.findIndex(isDynamicDim);
    if (dyn >= 0) {
      throw new DomainError(
        'DYNAMIC_SHAPE_UNRESOLVED',
        `input "${input.name}" has a dynamic dim ${dyn} (${formatShape(input.shape)}); pass options.inputShapes = { "${input.name}": [${input.shape.map((d) => (isDynamicDim(d) ? '<n>' : d)).join(', ')}] }`,
      );
    }
    out[input.name] = input.shape as number[];
  }
  return out;
}

export function formatShape(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
