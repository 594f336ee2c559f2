/**
 * ONNX side of model inspection: recognises a serialized ModelProto, tells a cut-short upload
 * from a foreign file, and summarises the graph (signature, op histogram, depthwise convs,
 * parameter count). Decoding is done by the protobufjs classes of `onnx-proto`.
 */
import onnxProto from 'onnx-proto';
import type { TensorDtype, TensorSpec } from '@farm/contracts';
import type { CustomOp, ModelInfo, ModelNode, OnnxOpset } from './model-info.js';
import { invalid, truncated, unknownFormat } from './model-errors.js';
import { DEFAULT_PARSE_LIMITS, limitExceeded, type ParseLimits } from './parse-limits.js';
import { OnnxWireError, scanOnnxWire } from './onnx-wire-scan.js';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.ModelProto;
type GraphProto = onnxProto.onnx.IGraphProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;
type Int64 = number | { toNumber(): number } | null | undefined;

const FORMAT = 'ONNX';

/** Top-level ModelProto fields and their wire types (onnx.proto); other field numbers are tolerated as future additions. */
const MODEL_PROTO_WIRE_TYPES: ReadonlyMap<number, number> = new Map([
  [1, 0], // ir_version
  [2, 2], // producer_name
  [3, 2], // producer_version
  [4, 2], // domain
  [5, 0], // model_version
  [6, 2], // doc_string
  [7, 2], // graph
  [8, 2], // opset_import
  [14, 2], // metadata_props
  [20, 2], // training_info
  [25, 2], // functions
]);
const FIELD_IR_VERSION = 1;
const FIELD_GRAPH = 7;
const FIELD_OPSET_IMPORT = 8;
/** ir_version is 3..11 today; a generous bound keeps random bytes that start with 0x08 from passing. */
const MAX_IR_VERSION = 64;

export interface ModelProtoScan {
  /** complete: the top-level fields end exactly at the end of the file. truncated: a field runs past it. foreign: not a ModelProto. */
  kind: 'complete' | 'truncated' | 'foreign';
  irVersion: number | null;
  fields: ReadonlySet<number>;
  /** For truncated: where the last field claimed to end. */
  claimedEnd?: number;
}

function toNumber(v: Int64): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/**
 * Walks only the top-level fields (a few dozen bytes of work, no allocation), which is enough to
 * tell "ONNX cut short" from "not ONNX at all" before paying for a full decode. Serializers write
 * fields in field-number order, so a real model starts with ir_version.
 */
export function scanModelProto(bytes: Uint8Array): ModelProtoScan {
  const fields = new Set<number>();
  let irVersion: number | null = null;
  let pos = 0;
  const n = bytes.length;

  // Returns the varint and the position after it, or null when the bytes run out (or -1 if over-long).
  const varint = (at: number): [number, number] | null | -1 => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at + i >= n) return null;
      const b = bytes[at + i]!;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return [value, at + i + 1];
    }
    return -1;
  };
  const result = (kind: ModelProtoScan['kind'], claimedEnd?: number): ModelProtoScan =>
    kind === 'truncated' && irVersion === null ? { kind: 'foreign', irVersion, fields } : { kind, irVersion, fields, claimedEnd };

  while (pos < n) {
    const tag = varint(pos);
    if (tag === null) return result('truncated', n + 1);
    if (tag === -1) return result('foreign');
    const [tagValue, afterTag] = tag;
    const field = Math.floor(tagValue / 8);
    const wire = tagValue % 8;
    if (field === 0) return result('foreign');
    const expected = MODEL_PROTO_WIRE_TYPES.get(field);
    if (expected !== undefined && expected !== wire) return result('foreign');
    if (fields.size === 0 && field !== FIELD_IR_VERSION) return result('foreign');
    fields.add(field);
    switch (wire) {
      case 0: {
        const v = varint(afterTag);
        if (v === null) return result('truncated', n + 1);
        if (v === -1) return result('foreign');
        if (field === FIELD_IR_VERSION) {
          if (v[0] < 1 || v[0] > MAX_IR_VERSION) return result('foreign');
          irVersion = v[0];
        }
        pos = v[1];
        break;
      }
      case 1:
        pos = afterTag + 8;
        if (pos > n) return result('truncated', pos);
        break;
      case 2: {
        const len = varint(afterTag);
        if (len === null) return result('truncated', n + 1);
        if (len === -1) return result('foreign');
        pos = len[1] + len[0];
        if (pos > n) return result('truncated', pos);
        break;
      }
      case 5:
        pos = afterTag + 4;
        if (pos > n) return result('truncated', pos);
        break;
      default:
        return result('foreign');
    }
  }
  return result(irVersion === null ? 'foreign' : 'complete');
}

/**
 * Decodes bytes that must be an ONNX model. Throws MODEL_FORMAT_UNKNOWN when they do not look
 * like one at all, MODEL_TRUNCATED when they are a ModelProto cut short, MODEL_INVALID when they
 * decode but cannot be run (no graph, empty graph, external data, corrupt nested messages).
 */
export function decodeOnnxModel(bytes: Uint8Array, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ModelProto {
  const scan = scanModelProto(bytes);
  if (scan.kind === 'foreign') {
    throw unknownFormat(bytes.length === 0 ? 'the file is empty' : 'the content is neither a TFLite flatbuffer nor an ONNX ModelProto');
  }
  if (scan.kind === 'truncated') {
    throw truncated(FORMAT, `it has ${bytes.length} bytes but its last top-level field needs ${scan.claimedEnd ?? bytes.length + 1}`, {
      sizeBytes: bytes.length,
      neededBytes: scan.claimedEnd,
    });
  }
  if (!scan.fields.has(FIELD_GRAPH)) {
    // A bare "ir_version + strings" protobuf is more likely another kind of .pb than an ONNX model.
    if (!scan.fields.has(FIELD_OPSET_IMPORT)) throw unknownFormat('the protobuf has no ONNX graph or opset imports');
    throw invalid(FORMAT, 'the ModelProto has no graph');
  }
  // Counted before decoding: the decoder is where a small hostile file turns into a large heap.
  let wire;
  try {
    wire = scanOnnxWire(bytes, limits);
  } catch (e) {
    if (e instanceof OnnxWireError) throw invalid(FORMAT, `a nested message is corrupt (${e.message})`);
    throw e;
  }
  if (wire.externalData) {
    throw invalid(
      FORMAT,
      `${wire.externalData.where} is stored in an external data file, which an upload cannot carry and a runner must never open; ` +
        're-save the model with all tensors inside the .onnx (onnx.save_model(model, path, save_as_external_data=False))',
      { externalData: wire.externalData.where },
    );
  }
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    // The top level was intact, so a failure here is damage inside a nested message, not a short upload.
    throw invalid(FORMAT, `a nested message is corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
  const graph = model.graph;
  if (!graph) throw invalid(FORMAT, 'the ModelProto has no graph');
  if (!graph.node || graph.node.length === 0) throw invalid(FORMAT, 'the graph has no nodes');
  return model;
}

/** TensorProto.DataType -> our dtype vocabulary; types no runner feeds map to 'unknown'. */
const ONNX_DTYPES: Readonly<Record<number, TensorDtype>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
};

export function onnxDtype(elemType: number | null | undefined): TensorDtype {
  return ONNX_DTYPES[elemType ?? 0] ?? 'unknown';
}

function tensorSpec(v: ValueInfo): TensorSpec {
  const tensorType = v.type?.tensorType;
  const dims = tensorType?.shape?.dim ?? [];
  return {
    name: v.name ?? '',
    dtype: onnxDtype(tensorType?.elemType),
    shape: dims.map((d) => {
      // Decoded messages carry only the oneof member that was on the wire as an own property; the other reads as a prototype default.
      if (Object.hasOwn(d, 'dimValue')) return toNumber(d.dimValue);
      if (d.dimParam) return d.dimParam;
      return null;
    }),
  };
}

function product(dims: readonly Int64[]): number {
  let p = 1;
  for (const d of dims) p *= toNumber(d);
  return p;
}

/** Conv-like ops and the input index of their weight. */
const CONV_WEIGHT_INPUT: Readonly<Record<string, number>> = {
  Conv: 1,
  ConvInteger: 1,
  FusedConv: 1,
  NhwcConv: 1,
  QLinearConv: 3,
};
/** Ops that pass a weight through unchanged in shape, as QDQ and cast-inserted graphs put in front of Conv. */
const SHAPE_PRESERVING = new Set(['DequantizeLinear', 'QuantizeLinear', 'Identity', 'Cast']);

function intAttr(node: onnxProto.onnx.INodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? toNumber(a.i) : fallback;
}

/**
 * Resolves the static shape of a tensor by name: initializer, Constant node, declared value
 * info, or through a DequantizeLinear-style pass-through (bounded hops, so cycles cannot loop).
 */
class ShapeIndex {
  private readonly shapes = new Map<string, readonly (number | null)[]>();
  private readonly producers = new Map<string, onnxProto.onnx.INodeProto>();

  constructor(graph: GraphProto) {
    const fromSpec = (v: ValueInfo) => {
      if (!v.name || this.shapes.has(v.name) || !v.type?.tensorType?.shape) return;
      this.shapes.set(
        v.name,
        tensorSpec(v).shape.map((d) => (typeof d === 'number' ? d : null)),
      );
    };
    for (const t of graph.initializer ?? []) if (t.name) this.shapes.set(t.name, (t.dims ?? []).map(toNumber));
    for (const n of graph.node ?? []) {
      for (const out of n.output ?? []) this.producers.set(out, n);
      if (n.opType === 'Constant' && n.output?.[0]) {
        const value = n.attribute?.find((a) => a.name === 'value')?.t;
        if (value) this.shapes.set(n.output[0], (value.dims ?? []).map(toNumber));
      }
    }
    for (const v of graph.input ?? []) fromSpec(v);
    for (const v of graph.valueInfo ?? []) fromSpec(v);
    for (const v of graph.output ?? []) fromSpec(v);
  }

  shape(name: string): readonly (number | null)[] | undefined {
    let current = name;
    for (let hop = 0; hop < 4; hop++) {
      const s = this.shapes.get(current);
      if (s) return s;
      const producer = this.producers.get(current);
      if (!producer || !SHAPE_PRESERVING.has(producer.opType ?? '') || !producer.input?.[0]) return undefined;
      current = producer.input[0];
    }
    return undefined;
  }
}

/** Depthwise when group > 1 and group equals the input channel count: weight [M, C/group, kH, kW] has C/group == 1. */
function isDepthwiseConv(node: onnxProto.onnx.INodeProto, shapes: ShapeIndex): boolean {
  const weightIndex = CONV_WEIGHT_INPUT[node.opType ?? ''];
  if (weightIndex === undefined) return false;
  const group = intAttr(node, 'group', 1);
  if (group <= 1) return false;
  const weight = node.input?.[weightIndex];
  const weightShape = weight ? shapes.shape(weight) : undefined;
  if (weightShape && weightShape.length >= 2 && weightShape[1] !== null) return weightShape[1] === 1;
  // No static weight shape (e.g. weights fed as graph inputs): fall back to the data input's channel dim (NCHW).
  const data = node.input?.[0];
  const dataShape = data ? shapes.shape(data) : undefined;
  return dataShape !== undefined && dataShape.length >= 2 && dataShape[1] === group;
}

/** The default domain (by either name) and ai.onnx.ml: every other domain's ops are listed as custom. */
const STANDARD_DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml']);

export function inspectOnnxModel(model: ModelProto, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ModelInfo {
  const graph = model.graph!;
  for (const [what, list] of [
    ['graph inputs', graph.input],
    ['graph outputs', graph.output],
  ] as const) {
    if ((list?.length ?? 0) > limits.maxSignatureTensors) {
      throw limitExceeded(FORMAT, 'maxSignatureTensors', limits.maxSignatureTensors, `${what} (the model declares ${list!.length})`);
    }
  }
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const shapes = new ShapeIndex(graph);

  // Counted in a Map, then made an object with own properties: an op type called "__proto__" counts like any other.
  const histogram = new Map<string, number>();
  const custom = new Map<string, CustomOp>();
  const nodes: ModelNode[] = (graph.node ?? []).map((n) => {
    const opType = n.opType ?? '';
    histogram.set(opType, (histogram.get(opType) ?? 0) + 1);
    const domain = n.domain ?? '';
    if (!STANDARD_DOMAINS.has(domain)) {
      const key = `${domain}\u0000${opType}`;
      const c = custom.get(key) ?? { op: opType, domain, count: 0 };
      c.count++;
      custom.set(key, c);
    }
    return { name: n.name || n.output?.[0] || '', opType, depthwise: isDepthwiseConv(n, shapes) };
  });

  let parameterCount = 0;
  for (const t of graph.initializer ?? []) parameterCount += product(t.dims ?? []);
  for (const s of graph.sparseInitializer ?? []) parameterCount += product(s.dims ?? []);

  const opsets: OnnxOpset[] = (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: toNumber(o.version) }));
  const defaultOpset = opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');

  return {
    format: 'onnx',
    // Since IR v4 initializers may also be listed as inputs (as overridable defaults); they are weights, not inputs to feed.
    inputs: (graph.input ?? []).filter((v) => !initializerNames.has(v.name ?? '')).map(tensorSpec),
    outputs: (graph.output ?? []).map(tensorSpec),
    opHistogram: Object.fromEntries(histogram),
    nodeCount: nodes.length,
    nodes,
    parameterCount,
    metadata: {
      format: 'onnx',
      irVersion: toNumber(model.irVersion),
      producerName: model.producerName ?? '',
      producerVersion: model.producerVersion ?? '',
      opsets,
      opset: defaultOpset ? defaultOpset.version : null,
      customOps: [...custom.values()],
    },
  };
}
