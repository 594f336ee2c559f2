/**
 * Resolution of declared input shapes into concrete ones, shared so the API refuses a benchmark
 * with an unresolved dynamic dim before queuing it, and the agent resolves exactly the shapes
 * the API checked.
 */
import { DomainError } from './error-codes.js';
import type { TensorDtype, TensorSpec } from './tensor.schema.js';

export interface ResolvedTensor {
  name: string;
  dtype: TensorDtype;
  shape: number[];
}

/** A declared dim is dynamic when it is symbolic (string), unknown (null) or a placeholder (-1 / 0). */
export function isDynamicDim(dim: number | string | null): boolean {
  return typeof dim !== 'number' || dim <= 0;
}

/**
 * Concrete shapes for all inputs, or a DomainError a user can act on. Exported so the API can
 * refuse a benchmark matrix up front instead of letting every device fail the same way.
 */
export function resolveInputShapes(inputs: readonly TensorSpec[], inputShapes: Record<string, number[]> = {}): ResolvedTensor[] {
  const known = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(inputShapes)) {
    if (!known.has(name)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `options.inputShapes names "${name}", which is not an input of this model (inputs: ${[...known].map((n) => `"${n}"`).join(', ')})`,
      );
    }
  }
  return inputs.map((input) => {
    const given = inputShapes[input.name];
    if (given) {
      if (given.length !== input.shape.length) {
        throw new DomainError(
          'VALIDATION_FAILED',
          `options.inputShapes["${input.name}"] has rank ${given.length}, but the model declares rank ${input.shape.length} (${formatShape(input.shape)})`,
        );
      }
      input.shape.forEach((d, i) => {
        if (!isDynamicDim(d) && d !== given[i]) {
          throw new DomainError(
            'VALIDATION_FAILED',
            `options.inputShapes["${input.name}"] dim ${i} is ${given[i]}, but the model fixes it to ${String(d)} (${formatShape(input.shape)})`,
          );
        }
        if (!Number.isInteger(given[i]) || given[i]! < 1) {
          throw new DomainError('VALIDATION_FAILED', `options.inputShapes["${input.name}"] dim ${i} must be a positive integer`);
        }
      });
      return { name: input.name, dtype: input.dtype, shape: [...given] };
    }
    const dynamicAt = input.shape.findIndex(isDynamicDim);
    if (dynamicAt >= 0) {
      const dim = input.shape[dynamicAt];
      const label = typeof dim === 'string' ? `"${dim}"` : String(dim);
      throw new DomainError(
        'DYNAMIC_SHAPE_UNRESOLVED',
        `input "${input.name}" has a dynamic dim ${label} at index ${dynamicAt} (${formatShape(input.shape)}); ` +
          `pass a concrete shape in options.inputShapes, e.g. {"${input.name}": [${input.shape.map((d) => (isDynamicDim(d) ? 1 : d)).join(', ')}]}`,
        { input: input.name, dimIndex: dynamicAt, dim },
      );
    }
    return { name: input.name, dtype: input.dtype, shape: input.shape as number[] };
  });
}

export function formatShape(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** Bytes per element; 'unknown' counts as the widest type, so an estimate never undercounts. */
export const DTYPE_BYTES: Readonly<Record<TensorDtype, number>> = {
  float32: 4,
  float16: 2,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
  float64: 8,
  unknown: 8,
};

/** Bytes one inference's inputs take. A float, not an integer: hostile shapes overflow 2^53 and still compare correctly. */
export function inputBytes(resolved: readonly ResolvedTensor[]): number {
  let total = 0;
  for (const t of resolved) total += t.shape.reduce((p, d) => p * d, 1) * DTYPE_BYTES[t.dtype];
  return total;
}
