/**
 * Bounds on the work an uploaded model may cause while it is inspected. Every parser charges its
 * work against these, so a file's cost is proportional to its size and a hostile file (shared
 * flatbuffer offsets, floods of empty nodes, deep nesting) ends in MODEL_LIMIT_EXCEEDED naming
 * the bound, instead of in a heap blown up far beyond the upload.
 */
import { DomainError } from '@farm/contracts';

export interface ParseLimits {
  /** ONNX: nodes in all graphs together (main graph, subgraphs, functions). */
  maxNodes: number;
  /** ONNX: subgraphs inside subgraphs (If/Loop/Scan bodies); the main graph is depth 0. */
  maxGraphDepth: number;
  /** ONNX: embedded messages of any kind; each decodes to a JS object, so this bounds the heap a small file can claim. */
  maxMessages: number;
  /** ONNX: varint elements (dims, ints, int64_data...), which protobufjs decodes one object each. */
  maxVarintElements: number;
  /** ONNX: elements in one attribute (ints, floats, strings, tensors, graphs). */
  maxAttributeElements: number;
  /** Protobuf message nesting of any kind (TypeProto can nest sequences without end). */
  maxMessageDepth: number;
  /** TFLite: table visits plus vector elements read, as a multiple of the file size plus a floor. */
  tfliteWorkPerByte: number;
  tfliteWorkFloor: number;
  /** Inputs or outputs a model may declare. */
  maxSignatureTensors: number;
  /** Dims of one input or output; engines stop at 8 or so, and a runner builds inputs from these. */
  maxRank: number;
}

export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  // The largest public graphs (transformer exports) have tens of thousands of nodes.
  maxNodes: 250_000,
  maxGraphDepth: 16,
  maxMessages: 1_000_000,
  maxVarintElements: 2_000_000,
  maxAttributeElements: 1_000_000,
  maxMessageDepth: 64,
  // A legitimate flatbuffer reads each byte about once, and its names are copied once more into
  // nodes and signatures; 4x leaves room for that and for writers' small overlaps (shared
  // strings), not for a vector of N entries pointing at one table.
  tfliteWorkPerByte: 4,
  tfliteWorkFloor: 1 << 16,
  maxSignatureTensors: 4096,
  maxRank: 32,
});

/** Which bound a model crossed, with the numbers, as a 422. */
export function limitExceeded(format: string, limit: keyof ParseLimits | string, max: number, what: string): DomainError {
  return new DomainError(
    'MODEL_LIMIT_EXCEEDED',
    `The ${format} file crosses the inspector's limit on ${what} (limit ${limit} = ${max}). ` +
      'The farm refuses models that cost more to read than their size warrants; if this is a real model, raise the limit or simplify the graph.',
    { limit, max },
  );
}
