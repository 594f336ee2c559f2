/**
 * Synthetic model inputs: the same declared shapes, dtypes and seed give the same bytes on every
 * host and for every framework, so output digests can be compared between runs and engines.
 * Also the single place where dynamic dims are resolved against options.inputShapes; the API and
 * the agent call checkInputShapes before a job is queued or run.
 */
import { DomainError } from '@farm/contracts';
import type { TensorDtype, TensorSpec } from '@farm/contracts';

export interface ResolvedTensor {
  name: string;
  dtype: TensorDtype;
  shape: number[];
}

export type SynthesizedData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | BigInt64Array;

export interface SynthesizedInput extends ResolvedTensor {
  /** Typed view in the element type the engines expect (float16 as raw IEEE half bits). */
  data: SynthesizedData;
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
      throw new DomainError('VALIDATION_FAILED', `options.inputShapes names "${name}", which is not an input of this model (inputs: ${[...known].map((n) => `"${n}"`).join(', ')})`);
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

/** The check the API and agent run before queuing; throws the same errors resolveInputShapes does. */
export function checkInputShapes(inputs: readonly TensorSpec[], inputShapes?: Record<string, number[]>): void {
  resolveInputShapes(inputs, inputShapes);
}

/** mulberry32: tiny, fast, and identical in every JavaScript and C implementation, which is all a benchmark input needs. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INT_RANGE = 10; // small non-negative ints stay valid as indices, token ids and class ids

export function synthesizeInputs(inputs: readonly TensorSpec[], seed: number, inputShapes?: Record<string, number[]>): SynthesizedInput[] {
  return resolveInputShapes(inputs, inputShapes).map((t, index) => {
    // One stream per input position, so adding an input does not change the bytes of the others.
    const next = mulberry32((seed + Math.imul(index + 1, 0x9e3779b9)) >>> 0);
    const count = t.shape.reduce((a, b) => a * b, 1);
    return { ...t, data: fill(t, count, next) };
  });
}

function fill(t: ResolvedTensor, count: number, next: () => number): SynthesizedData {
  const uniform = () => next() * 2 - 1; // floats in [-1, 1)
  const int = () => Math.floor(next() * INT_RANGE);
  switch (t.dtype) {
    case 'float32':
      return Float32Array.from({ length: count }, uniform);
    case 'float64':
      return Float64Array.from({ length: count }, uniform);
    case 'float16':
      return Uint16Array.from({ length: count }, () => toHalfBits(uniform()));
    case 'int8':
      return Int8Array.from({ length: count }, int);
    case 'uint8':
      return Uint8Array.from({ length: count }, int);
    case 'int16':
      return Int16Array.from({ length: count }, int);
    case 'int32':
      return Int32Array.from({ length: count }, int);
    case 'int64':
      return BigInt64Array.from({ length: count }, () => BigInt(int()));
    case 'bool':
      return Uint8Array.from({ length: count }, () => (next() < 0.5 ? 0 : 1));
    case 'unknown':
      throw new DomainError('VALIDATION_FAILED', `input "${t.name}" has an element type the farm cannot synthesise`);
  }
}

/** IEEE 754 half from a double in [-1, 1]: enough precision handling for synthetic data (no NaN/Inf inputs occur). */
function toHalfBits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    return sign | ((mant | 0x800000) >>> (14 - exp));
  }
  return sign | (exp << 10) | (mant >>> 13);
}

export function byteView(data: SynthesizedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function formatShape(shape: TensorSpec['shape']): string {
  return `[${shape.map((d) => (typeof d === 'string' ? `"${d}"` : String(d))).join(', ')}]`;
}
