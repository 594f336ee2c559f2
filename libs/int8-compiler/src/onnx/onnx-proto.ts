/**
 * The one place that touches the protobufjs ONNX classes: decoding/encoding models, and
 * converting TensorProto/AttributeProto values to plain typed arrays and numbers. Everything
 * else in the compiler works on the IR in onnx-graph.ts.
 */
import onnxProto from 'onnx-proto';
import { DomainError } from '@farm/contracts';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type IModelProto = onnxProto.onnx.IModelProto;
export type IGraphProto = onnxProto.onnx.IGraphProto;
export type INodeProto = onnxProto.onnx.INodeProto;
export type ITensorProto = onnxProto.onnx.ITensorProto;
export type IAttributeProto = onnxProto.onnx.IAttributeProto;
export type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** Element types the compiler understands, named as in onnxruntime-node. */
export type DType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool' | 'float64' | 'float16';

const ONNX_DTYPES: Record<number, DType> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };
const DTYPE_CODES: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11 };

export type TensorData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Float64Array | Uint16Array;

/** A dense constant. int64 is kept as BigInt64Array so shape arithmetic stays exact. */
export interface Tensor {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

export function dtypeFromOnnx(code: number): DType {
  const d = ONNX_DTYPES[code];
  if (!d) throw new DomainError('FRAMEWORK_UNSUPPORTED', `ONNX element type ${code} is not supported by the int8 compiler`);
  return d;
}

export function dtypeToOnnx(d: DType): number {
  return DTYPE_CODES[d];
}

/** protobufjs returns int64 fields as Long objects or numbers depending on size. */
export function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  if (typeof v === 'string') return Number(v);
  return 0;
}

export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function allocData(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'float16':
      return new Uint16Array(n);
  }
}

function bytesView(raw: Uint8Array): DataView {
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

export function tensorFromProto(t: ITensorProto): Tensor {
  const dtype = dtypeFromOnnx(t.dataType ?? 0);
  const dims = (t.dims ?? []).map(toNum);
  const n = numel(dims);
  if (t.dataLocation === 1) throw new DomainError('MODEL_INVALID', `tensor ${t.name}: external data is not supported`);
  const data = allocData(dtype, n);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const v = bytesView(raw);
    for (let i = 0; i < n; i++) {
      switch (dtype) {
        case 'float32':
          (data as Float32Array)[i] = v.getFloat32(i * 4, true);
          break;
        case 'uint8':
        case 'bool':
          (data as Uint8Array)[i] = v.getUint8(i);
          break;
        case 'int8':
          (data as Int8Array)[i] = v.getInt8(i);
          break;
        case 'int32':
          (data as Int32Array)[i] = v.getInt32(i * 4, true);
          break;
        case 'int64':
          (data as BigInt64Array)[i] = v.getBigInt64(i * 8, true);
          break;
        case 'float64':
          (data as Float64Array)[i] = v.getFloat64(i * 8, true);
          break;
        case 'float16':
          (data as Uint16Array)[i] = v.getUint16(i * 2, true);
          break;
      }
    }
    return { dtype, dims, data };
  }
  // Typed fields: int8/uint8/int32/bool/float16 all live in int32Data per the ONNX spec.
  const src: ArrayLike<unknown> =
    dtype === 'float32' ? (t.floatData ?? []) : dtype === 'int64' ? (t.int64Data ?? []) : dtype === 'float64' ? (t.doubleData ?? []) : (t.int32Data ?? []);
  const count = Math.min(src.length, n);
  for (let i = 0; i < count; i++) {
    if (dtype === 'int64') (data as BigInt64Array)[i] = BigInt(toNum(src[i]));
    else (data as Float32Array)[i] = toNum(src[i]);
  }
  return { dtype, dims, data };
}

export function tensorToProto(name: string, t: Tensor): onnxProto.onnx.TensorProto {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
  return onnx.TensorProto.create({ name, dims: t.dims, dataType: dtypeToOnnx(t.dtype), rawData: bytes });
}

export function makeTensor(dtype: DType, dims: number[], values?: ArrayLike<number> | ArrayLike<bigint>): Tensor {
  const data = allocData(dtype, numel(dims));
  if (values) {
    if (dtype === 'int64') for (let i = 0; i < values.length; i++) (data as BigInt64Array)[i] = BigInt(values[i] as number | bigint);
    else for (let i = 0; i < values.length; i++) (data as Float32Array)[i] = Number(values[i]);
  }
  return { dtype, dims: [...dims], data };
}

/** Element i of any tensor as a JS number (int64 converted; fine for shapes and indices). */
export function elem(t: Tensor, i: number): number {
  return Number(t.data[i]);
}

export function toNumbers(t: Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x));
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new DomainError('MODEL_INVALID', `not a decodable ONNX model: ${(e as Error).message}`);
  }
}

export function encodeModel(m: IModelProto): Uint8Array {
  return onnx.ModelProto.encode(m).finish();
}

export function decodeTensorFile(bytes: Uint8Array): { name: string; tensor: Tensor } {
  const t = onnx.TensorProto.decode(bytes);
  return { name: t.name, tensor: tensorFromProto(t) };
}

// ---- attributes -------------------------------------------------------------------------

/** An attribute with its ONNX kind kept, so that a float 1.0 is written back as a float. */
export type Attr =
  | { kind: 'f'; v: number }
  | { kind: 'i'; v: number }
  | { kind: 's'; v: string }
  | { kind: 't'; v: Tensor }
  | { kind: 'fs'; v: number[] }
  | { kind: 'is'; v: number[] }
  | { kind: 'ss'; v: string[] };

export function attrFromProto(a: IAttributeProto): Attr {
  const dec = (b: Uint8Array) => new TextDecoder().decode(b);
  switch (a.type) {
    case 1:
      return { kind: 'f', v: a.f ?? 0 };
    case 2:
      return { kind: 'i', v: toNum(a.i) };
    case 3:
      return { kind: 's', v: dec(a.s ?? new Uint8Array()) };
    case 4:
      return { kind: 't', v: tensorFromProto(a.t ?? {}) };
    case 6:
      return { kind: 'fs', v: Array.from(a.floats ?? []) };
    case 7:
      return { kind: 'is', v: (a.ints ?? []).map(toNum) };
    case 8:
      return { kind: 'ss', v: (a.strings ?? []).map(dec) };
    default:
      // Some old exporters leave `type` unset; infer it from the filled field.
      if (a.ints && a.ints.length) return { kind: 'is', v: a.ints.map(toNum) };
      if (a.floats && a.floats.length) return { kind: 'fs', v: Array.from(a.floats) };
      if (a.t) return { kind: 't', v: tensorFromProto(a.t) };
      if (a.s && a.s.length) return { kind: 's', v: dec(a.s) };
      if (a.f) return { kind: 'f', v: a.f };
      return { kind: 'i', v: toNum(a.i) };
  }
}

export function attrToProto(name: string, a: Attr): onnxProto.onnx.AttributeProto {
  const A = onnx.AttributeProto;
  const enc = (s: string) => new TextEncoder().encode(s);
  switch (a.kind) {
    case 'f':
      return A.create({ name, type: 1, f: a.v });
    case 'i':
      return A.create({ name, type: 2, i: a.v });
    case 's':
      return A.create({ name, type: 3, s: enc(a.v) });
    case 't':
      return A.create({ name, type: 4, t: tensorToProto('', a.v) });
    case 'fs':
      return A.create({ name, type: 6, floats: a.v });
    case 'is':
      return A.create({ name, type: 7, ints: a.v });
    case 'ss':
      return A.create({ name, type: 8, strings: a.v.map(enc) });
  }
}
