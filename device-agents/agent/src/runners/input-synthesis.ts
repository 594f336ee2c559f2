/**
 * Synthetic model inputs: the same declared shapes, dtypes and seed give the same bytes on every
 * host and for every framework, so output digests can be compared between runs and engines.
 * Dynamic dims are resolved by @farm/contracts' resolveInputShapes, the same check the API ran.
 */
import { mulberry32 } from '@farm/stats';
import { readFileSync } from 'node:fs';
import {
  checkInputSpecs,
  DomainError,
  DTYPE_BYTES,
  resolveInputShapes,
  type BenchmarkOptions,
  type InputSpec,
  type ResolvedTensor,
  type TensorSpec,
} from '@farm/contracts';

export { isDynamicDim, resolveInputShapes, type ResolvedTensor } from '@farm/contracts';
export { mulberry32 } from '@farm/stats';

export type SynthesizedData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | BigInt64Array;

export interface SynthesizedInput extends ResolvedTensor {
  /** Typed view in the element type the engines expect (float16 as raw IEEE half bits). */
  data: SynthesizedData;
}

const INT_RANGE = 10; // small non-negative ints stay valid as indices, token ids and class ids

export function synthesizeInputs(inputs: readonly TensorSpec[], seed: number, inputShapes?: Record<string, number[]>): SynthesizedInput[] {
  return buildInputs(inputs, { seed, inputShapes });
}

/**
 * The tensors a job feeds: each input named in options.inputs built from its specification
 * (checked again here with the API's own check), the others synthetic. Every runner feeds these,
 * in-process or as files pushed to the device.
 */
export function buildInputs(
  inputs: readonly TensorSpec[],
  options: Pick<BenchmarkOptions, 'seed' | 'inputShapes' | 'inputs'>,
  files: Record<string, string> = {},
): SynthesizedInput[] {
  const resolved = resolveInputShapes(inputs, options.inputShapes);
  checkInputSpecs(resolved, options.inputs);
  return resolved.map((t, index) => {
    // One stream per input position, so adding an input does not change the bytes of the others.
    const next = mulberry32((options.seed + Math.imul(index + 1, 0x9e3779b9)) >>> 0);
    const count = t.shape.reduce((a, b) => a * b, 1);
    const spec = options.inputs?.[t.name];
    if (spec?.kind === 'file') return { ...t, data: fromFile(t, count, files[t.name]) };
    return { ...t, data: spec ? fromSpec(t, count, spec, next) : fill(t, count, next) };
  });
}

/** An uploaded tensor's bytes (row-major, little-endian, as the API stored them), checked against the input once more. */
function fromFile(t: ResolvedTensor, count: number, path: string | undefined): SynthesizedData {
  if (!path) throw new DomainError('INPUT_SPEC_MISMATCH', `options.inputs["${t.name}"]: the uploaded tensor was not fetched`);
  const bytes = readFileSync(path);
  const need = count * DTYPE_BYTES[t.dtype];
  if (bytes.length !== need) {
    throw new DomainError('INPUT_SPEC_MISMATCH', `options.inputs["${t.name}"]: the stored tensor has ${bytes.length} bytes, the input needs ${need}`);
  }
  // A copy into a fresh buffer: typed views need their element alignment.
  const buf = new ArrayBuffer(need);
  new Uint8Array(buf).set(bytes);
  return typed(t, count, () => 0, buf);
}

/** Values per the specification, in the input's element type (checkInputSpecs already matched kinds to dtypes). */
function fromSpec(t: ResolvedTensor, count: number, spec: InputSpec, next: () => number): SynthesizedData {
  let value: (i: number) => number;
  switch (spec.kind) {
    case 'constant': {
      const values = Array.isArray(spec.value) ? spec.value : [spec.value];
      value = values.length === 1 ? () => values[0]! : (i) => values[i]!;
      break;
    }
    case 'uniform':
      value = () => spec.min + next() * (spec.max - spec.min);
      break;
    case 'normal':
      value = () => spec.mean + spec.std * standardNormal(next);
      break;
    case 'integers':
      value = () => spec.min + Math.floor(next() * (spec.max - spec.min + 1));
      break;
    case 'file':
      throw new DomainError('INPUT_SPEC_MISMATCH', `options.inputs["${t.name}"]: an uploaded tensor is read from its file`);
  }
  return typed(t, count, value);
}

/** Box-Muller on the seeded stream (1 - u keeps the log away from 0). */
function standardNormal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** A typed array of the input's element type: filled by `value`, or viewing `raw` bytes when given. */
function typed(t: ResolvedTensor, count: number, value: (i: number) => number, raw?: ArrayBuffer): SynthesizedData {
  if (raw) {
    const views: Record<Exclude<ResolvedTensor['dtype'], 'unknown'>, (b: ArrayBuffer) => SynthesizedData> = {
      float32: (b) => new Float32Array(b),
      float64: (b) => new Float64Array(b),
      float16: (b) => new Uint16Array(b),
      int8: (b) => new Int8Array(b),
      uint8: (b) => new Uint8Array(b),
      bool: (b) => new Uint8Array(b),
      int16: (b) => new Int16Array(b),
      int32: (b) => new Int32Array(b),
      int64: (b) => new BigInt64Array(b),
    };
    if (t.dtype === 'unknown') throw new DomainError('INPUT_SPEC_MISMATCH', `input "${t.name}" has an element type the farm cannot feed`);
    return views[t.dtype](raw);
  }
  const at = { length: count };
  switch (t.dtype) {
    case 'float32':
      return Float32Array.from(at, (_, i) => value(i));
    case 'float64':
      return Float64Array.from(at, (_, i) => value(i));
    case 'float16':
      return Uint16Array.from(at, (_, i) => toHalfBits(value(i)));
    case 'int8':
      return Int8Array.from(at, (_, i) => value(i));
    case 'uint8':
    case 'bool':
      return Uint8Array.from(at, (_, i) => value(i));
    case 'int16':
      return Int16Array.from(at, (_, i) => value(i));
    case 'int32':
      return Int32Array.from(at, (_, i) => value(i));
    case 'int64':
      return BigInt64Array.from(at, (_, i) => BigInt(value(i)));
    case 'unknown':
      throw new DomainError('INPUT_SPEC_MISMATCH', `input "${t.name}" has an element type the farm cannot feed`);
  }
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

/** IEEE 754 half from a finite double, truncating the mantissa; values past the half range become infinities. */
function toHalfBits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    return sign | ((mant | 0x800000) >>> (14 - exp));
  }
  return sign | (exp << 10) | (mant >>> 13);
}

export function byteView(data: SynthesizedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
