/**
 * A pass over an ONNX ModelProto's protobuf wire format before protobufjs decodes it. Decoding
 * turns every message into an object and every int64 into a Long, so 2 MB of empty nodes become
 * hundreds of MB of heap; this pass allocates nothing per element, counts what decoding would
 * build, and refuses a model over the parse limits before the decoder runs. It also finds tensors
 * that point at external data anywhere in the model (graph and subgraph initializers, Constant
 * and other tensor attributes, sparse tensors, functions, training graphs).
 */
import { limitExceeded, type ParseLimits } from './parse-limits.js';

/** Message kinds the scan descends into; field number -> child kind (embedded messages) or a counted scalar. */
type Kind =
  | 'model'
  | 'graph'
  | 'node'
  | 'attribute'
  | 'tensor'
  | 'sparse'
  | 'valueInfo'
  | 'type'
  | 'typeTensor'
  | 'typeSequence'
  | 'typeMap'
  | 'shape'
  | 'function'
  | 'training'
  | 'leaf';

/** Child messages by parent kind and field number (field numbers from onnx.proto). */
const CHILDREN: Record<Kind, Readonly<Record<number, Kind>>> = {
  model: { 7: 'graph', 8: 'leaf', 14: 'leaf', 20: 'training', 25: 'function' },
  graph: { 1: 'node', 5: 'tensor', 11: 'valueInfo', 12: 'valueInfo', 13: 'valueInfo', 14: 'leaf', 15: 'sparse' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 13: 'leaf', 14: 'type', 15: 'type', 22: 'sparse', 23: 'sparse' },
  tensor: { 2: 'leaf', 13: 'leaf' },
  sparse: { 1: 'tensor', 2: 'tensor' },
  valueInfo: { 2: 'type' },
  type: { 1: 'typeTensor', 4: 'typeSequence', 5: 'typeMap', 8: 'typeTensor', 9: 'typeSequence' },
  typeTensor: { 2: 'shape' },
  typeSequence: { 1: 'type' },
  typeMap: { 2: 'type' },
  shape: { 1: 'leaf' },
  function: { 7: 'node', 11: 'attribute' },
  training: { 1: 'graph', 2: 'graph', 3: 'leaf', 4: 'leaf' },
  leaf: {},
};

/** Repeated integer fields (packed or not) that decode one element each; int64 ones become Long objects. */
const VARINT_LISTS: Partial<Record<Kind, ReadonlySet<number>>> = {
  tensor: new Set([1, 5, 7, 11]),
  sparse: new Set([3]),
  attribute: new Set([8]),
};
/** Repeated elements of an attribute: floats, ints, strings, tensors, graphs, sparse tensors, type protos. */
const ATTRIBUTE_LISTS = new Set([7, 8, 9, 10, 11, 15, 23]);

const TENSOR_DATA_LOCATION = 14;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_NAME = 8;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const ATTRIBUTE_NAME = 1;
const EXTERNAL = 1;

export class OnnxWireError extends Error {}

/** A tensor whose data lives outside the upload, and where it sits in the model. */
export interface ExternalDataRef {
  where: string;
}

export interface OnnxWireScan {
  nodes: number;
  messages: number;
  maxGraphDepth: number;
  externalData: ExternalDataRef | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function scanOnnxWire(bytes: Uint8Array, limits: ParseLimits): OnnxWireScan {
  const out: OnnxWireScan = { nodes: 0, messages: 0, maxGraphDepth: 0, externalData: null };
  let varints = 0;

  const varint = (pos: number, end: number): [number, number] => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos + i >= end) throw new OnnxWireError('a varint runs past the end of its message');
      const b = bytes[pos + i]!;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return [value, pos + i + 1];
    }
    throw new OnnxWireError('a varint is longer than 10 bytes');
  };
  const text = (start: number, end: number) => utf8.decode(bytes.subarray(start, end)).slice(0, 200);

  /** Counts varints in a packed run: one element per byte without the continuation bit. */
  const packedVarints = (start: number, end: number): number => {
    let n = 0;
    for (let p = start; p < end; p++) if ((bytes[p]! & 0x80) === 0) n++;
    return n;
  };

  // where: a human path to this message for messages naming external data; graphDepth: subgraph nesting.
  const walk = (kind: Kind, start: number, end: number, depth: number, graphDepth: number, where: () => string): void => {
    if (depth > limits.maxMessageDepth) throw limitExceeded('ONNX', 'maxMessageDepth', limits.maxMessageDepth, 'nested messages');
    if (kind === 'graph') {
      if (graphDepth > limits.maxGraphDepth) throw limitExceeded('ONNX', 'maxGraphDepth', limits.maxGraphDepth, 'subgraphs nested inside subgraphs');
      if (graphDepth > out.maxGraphDepth) out.maxGraphDepth = graphDepth;
    }
    const children = CHILDREN[kind];
    const varintFields = VARINT_LISTS[kind];
    let name: [number, number] | null = null;
    let opType: [number, number] | null = null;
    let attributeElements = 0;
    let external = false;
    const label = (): string => (name ? `"${text(name[0], name[1])}"` : opType ? `(unnamed ${text(opType[0], opType[1])})` : '(unnamed)');
    let pos = start;
    while (pos < end) {
      const [tag, afterTag] = varint(pos, end);
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (field === 0) throw new OnnxWireError('a field number is 0');
      if (kind === 'attribute' && ATTRIBUTE_LISTS.has(field) && ++attributeElements > limits.maxAttributeElements) {
        throw limitExceeded('ONNX', 'maxAttributeElements', limits.maxAttributeElements, 'elements in one attribute');
      }
      switch (wire) {
        case 0: {
          const [value, next] = varint(afterTag, end);
          if (varintFields?.has(field) && ++varints > limits.maxVarintElements) {
            throw limitExceeded('ONNX', 'maxVarintElements', limits.maxVarintElements, 'integer elements (dims, ints, int64 data)');
          }
          if (kind === 'tensor' && field === TENSOR_DATA_LOCATION && value === EXTERNAL) external = true;
          pos = next;
          break;
        }
        case 1:
          pos = afterTag + 8;
          break;
        case 5:
          pos = afterTag + 4;
          break;
        case 2: {
          const [len, body] = varint(afterTag, end);
          const bodyEnd = body + len;
          if (bodyEnd > end) throw new OnnxWireError('a length-delimited field runs past the end of its message');
          const child = children[field];
          if (child !== undefined) {
            if (++out.messages > limits.maxMessages)
              throw limitExceeded('ONNX', 'maxMessages', limits.maxMessages, 'protobuf messages (nodes, attributes, tensors, value infos)');
            if (child === 'node' && ++out.nodes > limits.maxNodes) throw limitExceeded('ONNX', 'maxNodes', limits.maxNodes, 'nodes in all graphs');
            if (kind === 'tensor' && field === TENSOR_EXTERNAL_DATA) external = true;
            const childWhere = (): string => `${where()}${describe(kind, field, label())}`;
            if (child !== 'leaf') walk(child, body, bodyEnd, depth + 1, child === 'graph' && kind !== 'model' ? graphDepth + 1 : graphDepth, childWhere);
          } else if (kind === 'attribute' && field === 7) {
            // Packed floats: four bytes per element.
            attributeElements += len / 4 - 1;
            if (attributeElements > limits.maxAttributeElements)
              throw limitExceeded('ONNX', 'maxAttributeElements', limits.maxAttributeElements, 'elements in one attribute');
          } else if (varintFields?.has(field)) {
            const n = packedVarints(body, bodyEnd);
            if (kind === 'attribute') {
              attributeElements += n - 1;
              if (attributeElements > limits.maxAttributeElements)
                throw limitExceeded('ONNX', 'maxAttributeElements', limits.maxAttributeElements, 'elements in one attribute');
            }
            varints += n;
            if (varints > limits.maxVarintElements) {
              throw limitExceeded('ONNX', 'maxVarintElements', limits.maxVarintElements, 'integer elements (dims, ints, int64 data)');
            }
          }
          if ((kind === 'tensor' && field === TENSOR_NAME) || (kind === 'node' && field === NODE_NAME) || (kind === 'attribute' && field === ATTRIBUTE_NAME)) {
            name = [body, bodyEnd];
          }
          if (kind === 'node' && field === NODE_OP_TYPE) opType = [body, bodyEnd];
          pos = bodyEnd;
          break;
        }
        default:
          throw new OnnxWireError(`wire type ${wire} is not used by ONNX`);
      }
      if (pos > end) throw new OnnxWireError('a fixed-width field runs past the end of its message');
    }
    if (external && out.externalData === null) out.externalData = { where: `${where()}tensor ${label()}` };
  };

  walk('model', 0, bytes.length, 0, 0, () => '');
  return out;
}

/** One step of the path to a tensor, e.g. `graph initializer`, `node "If_0" attribute "then_branch" subgraph`. */
function describe(parent: Kind, field: number, parentLabel: string): string {
  switch (parent) {
    case 'model':
      return field === 7 ? '' : field === 25 ? 'function: ' : field === 20 ? 'training graph: ' : '';
    case 'graph':
      return field === 5 ? 'initializer ' : field === 15 ? 'sparse initializer ' : '';
    case 'node':
      return `node ${parentLabel} `;
    case 'attribute':
      return field === 6 || field === 11 ? `attribute ${parentLabel} subgraph > ` : `attribute ${parentLabel} `;
    case 'sparse':
      return field === 1 ? 'values of ' : 'indices of ';
    case 'function':
      return '';
    default:
      return '';
  }
}
