/**
 * Entry points for uploaded model bytes: which format they are (from content only; file names
 * lie) and what the model looks like. Both throw only DomainError.
 */
import { DomainError, type ModelFormat } from '@farm/contracts';
import type { ModelInfo } from './model-info.js';
import { invalid, unknownFormat } from './model-errors.js';
import { decodeOnnxModel, inspectOnnxModel } from './onnx-model.js';
import { hasNcnnBinaryMagic, hasNcnnTextMagic, inspectNcnnParam } from './ncnn-model.js';
import { hasTfliteIdentifier, inspectTfliteModel } from './tflite-model.js';

/** Root offset, identifier, then at least one table: anything shorter cannot be a model. */
const TFLITE_MIN_ROOT_OFFSET = 8;

function asDomainError(e: unknown, format: string): DomainError {
  if (e instanceof DomainError) return e;
  // A parser bug or a pathological file (e.g. nesting deep enough to overflow the stack) still answers as a domain error.
  return invalid(format, `it could not be read (${e instanceof Error ? e.message : String(e)})`);
}

function tfliteRootInRange(bytes: Uint8Array): boolean {
  const root = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  return root >= TFLITE_MIN_ROOT_OFFSET;
}

/**
 * TFLite by its flatbuffer file identifier "TFL3" (bytes 4..8); an NCNN .param by its magic
 * 7767517 (as text, or as the first int32 of a binary .param); ONNX by a ModelProto that
 * decodes, with an ir_version and a graph of at least one node. Throws MODEL_FORMAT_UNKNOWN
 * for anything else, MODEL_TRUNCATED / MODEL_INVALID for an ONNX model that is recognisable
 * but cut short or unusable (its format cannot be confirmed without decoding it).
 */
export function detectModelFormat(bytes: Uint8Array): ModelFormat {
  if (bytes.length === 0) throw unknownFormat('the file is empty');
  if (hasTfliteIdentifier(bytes) && tfliteRootInRange(bytes)) return 'tflite';
  if (isNcnnParam(bytes)) return 'ncnn';
  try {
    decodeOnnxModel(bytes);
  } catch (e) {
    throw asDomainError(e, 'ONNX');
  }
  return 'onnx';
}

/** No ModelProto starts with either: '7' (0x37) would be field 6 with the invalid wire type 7. */
function isNcnnParam(bytes: Uint8Array): boolean {
  return hasNcnnTextMagic(bytes) || hasNcnnBinaryMagic(bytes);
}

export function inspectModel(bytes: Uint8Array): ModelInfo {
  if (bytes.length === 0) throw unknownFormat('the file is empty');
  if (isNcnnParam(bytes)) {
    try {
      return inspectNcnnParam(bytes).info;
    } catch (e) {
      throw asDomainError(e, 'NCNN .param');
    }
  }
  if (hasTfliteIdentifier(bytes) && tfliteRootInRange(bytes)) {
    try {
      return inspectTfliteModel(bytes);
    } catch (e) {
      throw asDomainError(e, 'TFLite');
    }
  }
  try {
    return inspectOnnxModel(decodeOnnxModel(bytes));
  } catch (e) {
    throw asDomainError(e, 'ONNX');
  }
}
