/**
 * Entry points for uploaded model bytes: which format they are (from content only; file names
 * lie) and what the model looks like. Both throw only DomainError.
 */
import { DomainError, type ModelFormat } from '@farm/contracts';
import type { ModelInfo } from './model-info.js';
import { invalid, unknownFormat } from './model-errors.js';
import { decodeOnnxModel, inspectOnnxModel } from './onnx-model.js';
import { checkNcnnWeights, hasNcnnBinaryMagic, hasNcnnTextMagic, inspectNcnnParam } from './ncnn-model.js';
import { hasTfliteIdentifier, inspectTfliteModel } from './tflite-model.js';
import { checkModelStrings } from './model-names.js';
import { DEFAULT_PARSE_LIMITS, limitExceeded, type ParseLimits } from './parse-limits.js';
import { inspectCoreMlModel, isCoreMlModel } from './coreml-model.js';
import { DEFAULT_MLPACKAGE_LIMITS, hasZipMagic, openMlPackage, type MlPackageLimits } from './mlpackage.js';

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
  // A zip can only be an .mlpackage here; openMlPackage confirms it (and refuses hostile archives).
  if (hasZipMagic(bytes)) return 'coreml';
  if (isCoreMlModel(bytes)) return 'coreml';
  try {
    decodeOnnxModel(bytes);
  } catch (e) {
    throw asDomainError(e, 'ONNX');
  }
  return 'onnx';
}

/** No ModelProto starts with either: '7' (0x37) would be field 6 with the invalid wire type 7. */
export function isNcnnParam(bytes: Uint8Array): boolean {
  return hasNcnnTextMagic(bytes) || hasNcnnBinaryMagic(bytes);
}

const FORMAT_LABEL = { onnx: 'ONNX', tflite: 'TFLite', ncnn: 'NCNN .param', coreml: 'Core ML' } as const;

function checkSignature(info: ModelInfo, limits: ParseLimits): ModelInfo {
  for (const t of [...info.inputs, ...info.outputs]) {
    if (t.shape.length > limits.maxRank) {
      throw limitExceeded(FORMAT_LABEL[info.format], 'maxRank', limits.maxRank, `dims of one tensor ("${t.name.slice(0, 100)}" has ${t.shape.length})`);
    }
  }
  return info;
}

/**
 * An NCNN .param with the size of its .bin: the .param's summary, refused (MODEL_INVALID) when the
 * .bin's size fits no reading of its layers. One parse for both, so an upload pays for it once.
 */
export function inspectNcnnUpload(bytes: Uint8Array, weightsSize: number, limits: Partial<ParseLimits> = {}): ModelInfo {
  try {
    const inspection = inspectNcnnParam(bytes);
    checkNcnnWeights(inspection, weightsSize);
    return checkSignature(checkModelStrings(inspection.info), { ...DEFAULT_PARSE_LIMITS, ...limits });
  } catch (e) {
    throw asDomainError(e, 'NCNN .param');
  }
}

/**
 * Format, signature and graph summary of uploaded bytes, within `limits` (MODEL_LIMIT_EXCEEDED
 * beyond them). Synchronous and CPU-bound: a server runs it off its event loop, in a process
 * with a heap cap and a deadline, since the limits bound the work but not the engine's constant factors.
 */
export function inspectModel(bytes: Uint8Array, limits: Partial<ParseLimits> = {}): ModelInfo {
  const l: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...limits };
  if (bytes.length === 0) throw unknownFormat('the file is empty');
  if (hasZipMagic(bytes)) throw unknownFormat('a zip (an .mlpackage?) needs inspectUpload, which opens it with bounds');
  if (isCoreMlModel(bytes)) {
    try {
      return checkSignature(checkModelStrings(inspectCoreMlModel(bytes)), l);
    } catch (e) {
      throw asDomainError(e, 'Core ML');
    }
  }
  if (isNcnnParam(bytes)) {
    try {
      return checkSignature(checkModelStrings(inspectNcnnParam(bytes).info), l);
    } catch (e) {
      throw asDomainError(e, 'NCNN .param');
    }
  }
  if (hasTfliteIdentifier(bytes) && tfliteRootInRange(bytes)) {
    try {
      return checkSignature(checkModelStrings(inspectTfliteModel(bytes, l)), l);
    } catch (e) {
      throw asDomainError(e, 'TFLite');
    }
  }
  try {
    return checkSignature(checkModelStrings(inspectOnnxModel(decodeOnnxModel(bytes, l), l)), l);
  } catch (e) {
    throw asDomainError(e, 'ONNX');
  }
}

/**
 * Every uploadable format: one-file models as inspectModel does, and a zipped .mlpackage through
 * its root model, opened with the archive bounds (a bomb, a traversal or a link is refused).
 */
export async function inspectUpload(
  bytes: Uint8Array,
  limits: Partial<ParseLimits> = {},
  archive: MlPackageLimits = DEFAULT_MLPACKAGE_LIMITS,
): Promise<ModelInfo> {
  if (!hasZipMagic(bytes)) return inspectModel(bytes, limits);
  const pkg = await openMlPackage(bytes, archive);
  try {
    const info = inspectCoreMlModel(pkg.files.find((f) => f.path === pkg.modelPath)!.bytes, 'mlpackage');
    return checkSignature(checkModelStrings(info), { ...DEFAULT_PARSE_LIMITS, ...limits });
  } catch (e) {
    throw asDomainError(e, 'Core ML (.mlpackage model.mlmodel)');
  }
}
