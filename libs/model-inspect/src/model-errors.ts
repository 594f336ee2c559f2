/**
 * The three ways an upload can fail inspection, with messages a user can act on. Every parse
 * path ends in one of these, so the API never answers an upload with a raw TypeError.
 */
import { DomainError } from '@farm/contracts';

export const ACCEPTED_FORMATS_HINT =
  'Accepted formats: ONNX (.onnx, a serialized ModelProto with a graph), TensorFlow Lite (.tflite, a flatbuffer with file identifier "TFL3") and NCNN (a .param starting with 7767517, with its .bin in the "weights" field).';

export function unknownFormat(reason: string): DomainError {
  return new DomainError('MODEL_FORMAT_UNKNOWN', `Unrecognised model file: ${reason}. ${ACCEPTED_FORMATS_HINT}`);
}

export function truncated(format: string, reason: string, details?: unknown): DomainError {
  return new DomainError(
    'MODEL_TRUNCATED',
    `The ${format} file is incomplete: ${reason}. The upload was probably cut short; upload the complete file again.`,
    details,
  );
}

export function invalid(format: string, reason: string, details?: unknown): DomainError {
  return new DomainError('MODEL_INVALID', `The ${format} file is not a usable model: ${reason}.`, details);
}
