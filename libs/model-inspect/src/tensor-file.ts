/**
 * Reads an uploaded tensor: a NumPy .npy file (format versions 1-3, C order, little-endian or
 * byte-wide dtypes) or an ONNX TensorProto (.pb, as the ONNX test data sets store them). The
 * result is the dtype, the shape and the elements as little-endian bytes, which is what every
 * engine and runner program is fed. Sizes are checked against the declared shape before anything
 * is copied, so a header cannot make the reader allocate what the file does not hold.
 */
import onnxProto from 'onnx-proto';
import { DomainError, DTYPE_BYTES, type TensorDtype } from '@farm/contracts';
import { onnxDtype } from './onnx-model.js';

export const TENSOR_FILE_FORMATS = ['npy', 'onnx-pb'] as const;
export type TensorFileFormat = (typeof TENSOR_FILE_FORMATS)[number];

export interface ParsedTensor {
  format: TensorFileFormat;
  dtype: Exclude<TensorDtype, 'unknown'>;
  shape: number[];
  /** The elements, row-major, little-endian. */
  data: Uint8Array;
}

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const NPY_DTYPES: Record<string, ParsedTensor['dtype']> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<f2': 'float16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '<i2': 'int16',
  '<i4': 'int32',
  '<i8': 'int64',
  '|b1': 'bool',
};

function refuse(message: string): never {
  throw new DomainError('TENSOR_INVALID', message);
}

export function parseTensorFile(bytes: Uint8Array): ParsedTensor {
  return NPY_MAGIC.every((b, i) => bytes[i] === b) ? parseNpy(bytes) : parseTensorProto(bytes);
}

function parseNpy(bytes: Uint8Array): ParsedTensor {
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) refuse(`.npy format version ${major} is not one this reader knows (1, 2 or 3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < (major === 1 ? 10 : 12)) refuse('the .npy header is truncated');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (headerLen > 65536 || start + headerLen > bytes.length) refuse('the .npy header is truncated or too long');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) refuse('the .npy header lacks descr, fortran_order or shape');
  const dtype = NPY_DTYPES[descr] ?? refuse(`.npy dtype ${descr} is not supported (use one of ${Object.keys(NPY_DTYPES).join(', ')})`);
  if (fortran === 'True') refuse('a Fortran-order .npy is not supported: save it with np.ascontiguousarray');
  const shape = shapeText
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0)
    .map((d) => (/^\d+$/.test(d) ? Number(d) : refuse(`.npy shape entry "${d}" is not a size`)));
  return { format: 'npy', dtype, shape, data: exactData(bytes.subarray(start + headerLen), dtype, shape) };
}

function parseTensorProto(bytes: Uint8Array): ParsedTensor {
  let t: onnxProto.onnx.TensorProto;
  try {
    t = onnxProto.onnx.TensorProto.decode(bytes);
  } catch (e) {
    refuse(`neither a .npy file nor an ONNX TensorProto: ${(e as Error).message}`);
  }
  const pbType = onnxDtype(t.dataType);
  const dtype = pbType === 'unknown' ? refuse(`TensorProto data type ${t.dataType} is not supported`) : pbType;
  const shape = t.dims.map((d) => Number(d));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) refuse('the TensorProto has a negative or huge dim');
  if (t.externalData.length > 0) refuse('a TensorProto with external data cannot be uploaded: store the values in the file');
  if (t.rawData.length > 0) return { format: 'onnx-pb', dtype, shape, data: exactData(t.rawData, dtype, shape) };
  const count = elementCount(shape);
  // Typed fields (float_data, int32_data, ...), as older exporters write them.
  const typed = ((): ArrayLike<number | bigint> => {
    switch (dtype) {
      case 'float32':
        return t.floatData;
      case 'float64':
        return t.doubleData;
      case 'int64':
        return t.int64Data.map((v) => BigInt(v.toString()));
      default:
        return t.int32Data; // int8/uint8/int16/int32/bool/float16 bits all live in int32_data
    }
  })();
  if (typed.length !== count) refuse(`the TensorProto holds ${typed.length} values for shape [${shape.join(', ')}] (${count} elements)`);
  const out = toBytes(dtype, typed);
  return { format: 'onnx-pb', dtype, shape, data: out };
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function exactData(data: Uint8Array, dtype: ParsedTensor['dtype'], shape: number[]): Uint8Array {
  const need = elementCount(shape) * DTYPE_BYTES[dtype];
  if (data.length !== need) refuse(`the data holds ${data.length} bytes; shape [${shape.join(', ')}] of ${dtype} needs ${need}`);
  return Uint8Array.from(data);
}

function toBytes(dtype: ParsedTensor['dtype'], values: ArrayLike<number | bigint>): Uint8Array {
  const n = values.length;
  const view = (() => {
    switch (dtype) {
      case 'float32':
        return Float32Array.from({ length: n }, (_, i) => Number(values[i]));
      case 'float64':
        return Float64Array.from({ length: n }, (_, i) => Number(values[i]));
      case 'int64':
        return BigInt64Array.from({ length: n }, (_, i) => BigInt(values[i]!));
      case 'int32':
        return Int32Array.from({ length: n }, (_, i) => Number(values[i]));
      case 'int16':
        return Int16Array.from({ length: n }, (_, i) => Number(values[i]));
      case 'float16':
        return Uint16Array.from({ length: n }, (_, i) => Number(values[i]));
      case 'int8':
        return Int8Array.from({ length: n }, (_, i) => Number(values[i]));
      case 'uint8':
      case 'bool':
        return Uint8Array.from({ length: n }, (_, i) => Number(values[i]));
    }
  })();
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
