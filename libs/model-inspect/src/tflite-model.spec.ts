import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { Builder } from 'flatbuffers';
import { DomainError } from '@farm/contracts';
import { detectModelFormat, inspectModel } from './index.js';
import { TFLITE_BUILTIN_OPERATORS, tfliteBuiltinOperatorName } from './tflite-builtin-ops.js';

interface TensorDef {
  name: string;
  type: number;
  shape: number[];
  signature?: number[];
  buffer?: number;
}
interface OpCodeDef {
  deprecated: number;
  builtin?: number;
  custom?: string;
}
interface OpDef {
  opcode: number;
  inputs: number[];
  outputs: number[];
}
interface ModelDef {
  codes: OpCodeDef[];
  tensors: TensorDef[];
  inputs: number[];
  outputs: number[];
  ops: OpDef[];
  /** Byte length of each buffer; buffer 0 is conventionally empty. */
  buffers: number[];
}

/** Writes a minimal TFLite flatbuffer with the field layout of schema.fbs. */
function buildTflite(def: ModelDef): Uint8Array {
  const b = new Builder(1024);
  const intVector = (values: number[]) => {
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
    return b.endVector();
  };
  const offsetVector = (offsets: number[]) => {
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
    return b.endVector();
  };

  const buffers = def.buffers.map((len) => {
    const data = len > 0 ? b.createByteVector(new Uint8Array(len)) : 0;
    b.startObject(3);
    if (data) b.addFieldOffset(0, data, 0);
    return b.endObject();
  });
  const codes = def.codes.map((c) => {
    const custom = c.custom ? b.createString(c.custom) : 0;
    b.startObject(4);
    b.addFieldInt8(0, c.deprecated, 0);
    if (custom) b.addFieldOffset(1, custom, 0);
    if (c.builtin !== undefined) b.addFieldInt32(3, c.builtin, 0);
    return b.endObject();
  });
  const tensors = def.tensors.map((t) => {
    const name = b.createString(t.name);
    const shape = intVector(t.shape);
    const signature = t.signature ? intVector(t.signature) : 0;
    b.startObject(8);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, 0);
    b.addFieldInt32(2, t.buffer ?? 0, 0);
    b.addFieldOffset(3, name, 0);
    if (signature) b.addFieldOffset(7, signature, 0);
    return b.endObject();
  });
  const ops = def.ops.map((o) => {
    const inputs = intVector(o.inputs);
    const outputs = intVector(o.outputs);
    b.startObject(3);
    b.addFieldInt32(0, o.opcode, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    return b.endObject();
  });
  const tensorsVec = offsetVector(tensors);
  const inputsVec = intVector(def.inputs);
  const outputsVec = intVector(def.outputs);
  const opsVec = offsetVector(ops);
  const sgName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(0, tensorsVec, 0);
  b.addFieldOffset(1, inputsVec, 0);
  b.addFieldOffset(2, outputsVec, 0);
  b.addFieldOffset(3, opsVec, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  const codesVec = offsetVector(codes);
  const subgraphsVec = offsetVector([subgraph]);
  const description = b.createString('unit test');
  const buffersVec = offsetVector(buffers);
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array();
}

const FLOAT32 = 0;
const INT8 = 9;

function baseModel(): ModelDef {
  return {
    codes: [
      { deprecated: 127, builtin: 150 }, // GELU: only representable in builtin_code
      { deprecated: 32, custom: 'TFLite_Detection_PostProcess' },
      { deprecated: 4 }, // an old converter: DEPTHWISE_CONV_2D in the byte field only
      { deprecated: 3, builtin: 3 },
    ],
    tensors: [
      { name: 'image', type: FLOAT32, shape: [1, 8, 8, 4], signature: [-1, 8, 8, 4] },
      { name: 'dw_weights', type: INT8, shape: [1, 3, 3, 4], buffer: 1 },
      { name: 'dw_out', type: FLOAT32, shape: [1, 8, 8, 4] },
      { name: 'gelu_out', type: FLOAT32, shape: [1, 8, 8, 4] },
      { name: 'conv_weights', type: INT8, shape: [2, 1, 1, 4], buffer: 2 },
      { name: 'conv_out', type: FLOAT32, shape: [1, 8, 8, 2] },
      { name: 'boxes', type: FLOAT32, shape: [1, 10, 4] },
      { name: 'shared_weights', type: INT8, shape: [1, 3, 3, 4], buffer: 1 },
    ],
    inputs: [0],
    outputs: [6],
    ops: [
      { opcode: 2, inputs: [0, 1], outputs: [2] },
      { opcode: 0, inputs: [2], outputs: [3] },
      { opcode: 3, inputs: [3, 4], outputs: [5] },
      { opcode: 1, inputs: [5], outputs: [6] },
    ],
    buffers: [0, 36, 8],
  };
}

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError, String(e));
    return e;
  }
  assert.fail('expected a DomainError');
}

describe('TFLite inspection of hand-built flatbuffers', () => {
  it('reads op codes from builtin_code, the deprecated byte field, and custom_code', () => {
    const bytes = buildTflite(baseModel());
    assert.equal(detectModelFormat(bytes), 'tflite');
    const info = inspectModel(bytes);
    assert.deepEqual(info.nodes, [
      { name: 'dw_out', opType: 'DEPTHWISE_CONV_2D', depthwise: true, outputShape: [1, 8, 8, 4] },
      { name: 'gelu_out', opType: 'GELU', depthwise: false, outputShape: [1, 8, 8, 4] },
      { name: 'conv_out', opType: 'CONV_2D', depthwise: false, outputShape: [1, 8, 8, 2] },
      { name: 'boxes', opType: 'TFLite_Detection_PostProcess', depthwise: false, outputShape: [1, 10, 4] },
    ]);
    assert.deepEqual(info.opHistogram, { DEPTHWISE_CONV_2D: 1, GELU: 1, CONV_2D: 1, TFLite_Detection_PostProcess: 1 });
    assert.deepEqual(info.metadata, {
      format: 'tflite',
      schemaVersion: 3,
      description: 'unit test',
      subgraphCount: 1,
      customOps: [{ op: 'TFLite_Detection_PostProcess', domain: 'tflite-custom', count: 1 }],
    });
  });

  it('uses shape_signature for dynamic dims and counts each constant buffer once', () => {
    const info = inspectModel(buildTflite(baseModel()));
    assert.deepEqual(info.inputs, [{ name: 'image', dtype: 'float32', shape: [null, 8, 8, 4] }]);
    assert.deepEqual(info.outputs, [{ name: 'boxes', dtype: 'float32', shape: [1, 10, 4] }]);
    // dw_weights (36) + conv_weights (8); shared_weights reuses buffer 1.
    assert.equal(info.parameterCount, 36 + 8);
  });

  it('reports a tensor index out of range as MODEL_INVALID', () => {
    const def = baseModel();
    def.ops[0]!.outputs = [99];
    const err = errorOf(() => inspectModel(buildTflite(def)));
    assert.equal(err.code, 'MODEL_INVALID');
    assert.match(err.message, /tensor 99/);
  });

  it('reports an operator code index out of range as MODEL_INVALID', () => {
    const def = baseModel();
    def.ops[1]!.opcode = 7;
    assert.equal(errorOf(() => inspectModel(buildTflite(def))).code, 'MODEL_INVALID');
  });

  it('reports a model without subgraphs as MODEL_INVALID', () => {
    const b = new Builder(64);
    b.startObject(5);
    b.addFieldInt32(0, 3, 0);
    b.finish(b.endObject(), 'TFL3');
    assert.equal(errorOf(() => inspectModel(b.asUint8Array())).code, 'MODEL_INVALID');
  });

  it('every cut of a small model is truncated (or, below the identifier, unknown)', () => {
    const bytes = buildTflite(baseModel());
    for (let n = 1; n < bytes.length; n++) {
      const err = errorOf(() => inspectModel(bytes.subarray(0, n)));
      assert.ok(['MODEL_TRUNCATED', 'MODEL_INVALID', 'MODEL_FORMAT_UNKNOWN'].includes(err.code), `cut ${n}: ${err.code}`);
      if (n >= 8) assert.notEqual(err.code, 'MODEL_FORMAT_UNKNOWN', `cut ${n}`);
    }
  });
});

describe('TFLite builtin operator names', () => {
  it('covers the schema codes with the names benchmark_model prints', () => {
    assert.equal(TFLITE_BUILTIN_OPERATORS.length, 210);
    const spotChecks: [number, string][] = [
      [0, 'ADD'],
      [3, 'CONV_2D'],
      [4, 'DEPTHWISE_CONV_2D'],
      [9, 'FULLY_CONNECTED'],
      [14, 'LOGISTIC'],
      [17, 'MAX_POOL_2D'],
      [22, 'RESHAPE'],
      [23, 'RESIZE_BILINEAR'],
      [32, 'CUSTOM'],
      [34, 'PAD'],
      [40, 'MEAN'],
      [97, 'RESIZE_NEAREST_NEIGHBOR'],
      [114, 'QUANTIZE'],
      [117, 'HARD_SWISH'],
      [124, 'DENSIFY'],
      [126, 'BATCH_MATMUL'],
      [127, 'PLACEHOLDER_FOR_GREATER_OP_CODES'],
      [150, 'GELU'],
      [160, 'BITWISE_XOR'],
      [162, 'STABLEHLO_LOGISTIC'],
      [209, 'STABLEHLO_CASE'],
    ];
    for (const [code, name] of spotChecks) assert.equal(tfliteBuiltinOperatorName(code), name, String(code));
    assert.equal(new Set(TFLITE_BUILTIN_OPERATORS).size, TFLITE_BUILTIN_OPERATORS.length);
  });

  it('names codes newer than the table instead of failing', () => {
    assert.equal(tfliteBuiltinOperatorName(400), 'BUILTIN_400');
  });
});
