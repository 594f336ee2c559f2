/**
 * TFLite side of model inspection. There is no npm package with the generated TFLite schema,
 * so this reads just the fields we need from the flatbuffer (field indices as in
 * tensorflow/lite/schema/schema.fbs), through the bounds-checked reader.
 */
import type { TensorDtype, TensorSpec } from '@farm/contracts';
import type { ModelInfo, ModelNode } from './model-info.js';
import { CheckedFlatbuffer, FlatbufferCorruptError, FlatbufferTruncatedError, FlatbufferWorkExceededError, type TableRef } from './checked-flatbuffer.js';
import { TFLITE_CUSTOM_CODE, tfliteBuiltinOperatorName } from './tflite-builtin-ops.js';
import { invalid, truncated } from './model-errors.js';
import { DEFAULT_PARSE_LIMITS, limitExceeded, type ParseLimits } from './parse-limits.js';

export const TFLITE_FILE_IDENTIFIER = 'TFL3';
const FORMAT = 'TFLite';

// Field indices (schema order) of the tables we read.
const MODEL = { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4 } as const;
const OPERATOR_CODE = { deprecatedBuiltinCode: 0, customCode: 1, builtinCode: 3 } as const;
const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3 } as const;
const TENSOR = { shape: 0, type: 1, buffer: 2, name: 3, shapeSignature: 7 } as const;
const OPERATOR = { opcodeIndex: 0, outputs: 2 } as const;
const BUFFER = { data: 0, offset: 1, size: 2 } as const;

/** TensorType -> our dtype vocabulary. */
const TFLITE_DTYPES: Readonly<Record<number, TensorDtype>> = {
  0: 'float32',
  1: 'float16',
  2: 'int32',
  3: 'uint8',
  4: 'int64',
  6: 'bool',
  7: 'int16',
  9: 'int8',
  10: 'float64',
};

export function tfliteDtype(type: number): TensorDtype {
  return TFLITE_DTYPES[type] ?? 'unknown';
}

interface TensorRecord {
  name: string;
  type: number;
  shape: number[];
  /** Present when the converter recorded dynamic dims (-1). */
  shapeSignature: number[] | null;
  buffer: number;
}

function readTensor(fb: CheckedFlatbuffer, t: TableRef): TensorRecord {
  const signature = fb.vector(t, TENSOR.shapeSignature, 4);
  return {
    name: fb.string(t, TENSOR.name) ?? '',
    type: fb.int8(t, TENSOR.type, 0),
    shape: fb.int32s(fb.vector(t, TENSOR.shape, 4)),
    shapeSignature: signature === null ? null : fb.int32s(signature),
    buffer: fb.uint32(t, TENSOR.buffer, 0),
  };
}

function tensorSpec(fb: CheckedFlatbuffer, t: TensorRecord): TensorSpec {
  const dims = t.shapeSignature ?? t.shape;
  // A spec is a fresh copy stored as JSON: many inputs naming one huge tensor must pay for each copy.
  fb.charge(dims.length + t.name.length);
  return { name: t.name, dtype: tfliteDtype(t.type), shape: dims.map((d) => (d < 0 ? null : d)) };
}

function builtinCode(fb: CheckedFlatbuffer, code: TableRef): number {
  // Old files only set the byte-wide deprecated field; new ones put 127 there and the real code in builtin_code.
  return Math.max(fb.int8(code, OPERATOR_CODE.deprecatedBuiltinCode, 0), fb.int32(code, OPERATOR_CODE.builtinCode, 0));
}

function isCustom(fb: CheckedFlatbuffer, code: TableRef): boolean {
  return builtinCode(fb, code) === TFLITE_CUSTOM_CODE;
}

function opName(fb: CheckedFlatbuffer, code: TableRef): string {
  const builtin = builtinCode(fb, code);
  if (builtin === TFLITE_CUSTOM_CODE) return fb.string(code, OPERATOR_CODE.customCode) || 'CUSTOM';
  return tfliteBuiltinOperatorName(builtin);
}

function tensorAt(tensors: TensorRecord[], index: number, where: string): TensorRecord {
  const t = tensors[index];
  if (!t) throw new FlatbufferCorruptError(`${where} refers to tensor ${index}, but the subgraph has ${tensors.length}`);
  return t;
}

function inspect(fb: CheckedFlatbuffer, limits: ParseLimits): ModelInfo {
  const model = fb.root('the root Model table');
  const schemaVersion = fb.uint32(model, MODEL.version, 0);
  const description = fb.string(model, MODEL.description) ?? '';

  const codesVec = fb.vector(model, MODEL.operatorCodes, 4);
  const opNames: string[] = [];
  const customCode: boolean[] = [];
  for (let i = 0; i < (codesVec?.length ?? 0); i++) {
    const code = fb.tableAt(codesVec!, i, 'OperatorCode');
    opNames.push(opName(fb, code));
    customCode.push(isCustom(fb, code));
  }

  const subgraphsVec = fb.vector(model, MODEL.subgraphs, 4);
  if (subgraphsVec === null || subgraphsVec.length === 0) throw new FlatbufferCorruptError('the model has no subgraphs');

  // Buffer 0 is the conventional empty buffer; a tensor is constant when its buffer holds bytes.
  const buffersVec = fb.vector(model, MODEL.buffers, 4);
  const bufferHasData: boolean[] = [];
  for (let i = 0; i < (buffersVec?.length ?? 0); i++) {
    const b = fb.tableAt(buffersVec!, i, 'Buffer');
    const data = fb.vector(b, BUFFER.data, 1);
    // Models over 2 GB keep weights after the flatbuffer, addressed by offset/size instead of data.
    bufferHasData.push((data !== null && data.length > 0) || fb.uint64(b, BUFFER.size, 0n) > 0n);
  }

  let parameterCount = 0;
  const countedBuffers = new Set<number>();
  let main: { tensors: TensorRecord[]; sg: TableRef } | null = null;
  for (let s = 0; s < subgraphsVec.length; s++) {
    const sg = fb.tableAt(subgraphsVec, s, 'SubGraph');
    const tensorsVec = fb.vector(sg, SUBGRAPH.tensors, 4);
    const tensors: TensorRecord[] = [];
    // Entries may share one Tensor table (legal in flatbuffers): read each table once and share the record.
    const byTable = new Map<number, TensorRecord>();
    for (let i = 0; i < (tensorsVec?.length ?? 0); i++) {
      const pos = fb.offsetAt(tensorsVec!, i, 'Tensor');
      let t = byTable.get(pos);
      if (t === undefined) {
        t = readTensor(fb, fb.table(pos, 'Tensor'));
        byTable.set(pos, t);
      } else fb.charge(1);
      tensors.push(t);
    }
    for (const t of tensors) {
      if (t.buffer === 0 || countedBuffers.has(t.buffer) || !bufferHasData[t.buffer]) continue;
      countedBuffers.add(t.buffer);
      parameterCount += t.shape.reduce((p, d) => p * Math.max(d, 0), 1);
    }
    if (s === 0) main = { tensors, sg };
  }
  const { tensors, sg } = main!;

  // Counted in a Map, then made an object with own properties: an op type called "__proto__" counts like any other.
  const histogram = new Map<string, number>();
  const custom = new Map<string, number>();
  const nodes: ModelNode[] = [];
  const operatorsVec = fb.vector(sg, SUBGRAPH.operators, 4);
  for (let i = 0; i < (operatorsVec?.length ?? 0); i++) {
    const op = fb.tableAt(operatorsVec!, i, 'Operator');
    const codeIndex = fb.uint32(op, OPERATOR.opcodeIndex, 0);
    const opType = opNames[codeIndex];
    if (opType === undefined) throw new FlatbufferCorruptError(`operator ${i} uses operator code ${codeIndex}, but the model has ${opNames.length}`);
    histogram.set(opType, (histogram.get(opType) ?? 0) + 1);
    if (customCode[codeIndex]) custom.set(opType, (custom.get(opType) ?? 0) + 1);
    const firstOutput = fb.int32At(fb.vector(op, OPERATOR.outputs, 4), 0);
    const out = firstOutput === undefined || firstOutput < 0 ? undefined : tensorAt(tensors, firstOutput, `operator ${i}`);
    const name = out ? out.name : `${opType}:${i}`;
    // The name (and the output shape, for layer alignment) is copied into every node that uses it when the result is stored.
    fb.charge(name.length + opType.length + (out ? out.shape.length : 0));
    nodes.push({ name, opType, depthwise: opType === 'DEPTHWISE_CONV_2D', ...(out ? { outputShape: out.shape } : {}) });
  }

  const specs = (field: number, what: string) => {
    const v = fb.vector(sg, field, 4);
    if (v !== null && v.length > limits.maxSignatureTensors) {
      throw limitExceeded(FORMAT, 'maxSignatureTensors', limits.maxSignatureTensors, `${what} (the model declares ${v.length})`);
    }
    return fb.int32s(v).map((index) => tensorSpec(fb, tensorAt(tensors, index, what)));
  };

  return {
    format: 'tflite',
    inputs: specs(SUBGRAPH.inputs, 'subgraph inputs'),
    outputs: specs(SUBGRAPH.outputs, 'subgraph outputs'),
    opHistogram: Object.fromEntries(histogram),
    nodeCount: nodes.length,
    nodes,
    parameterCount,
    metadata: {
      format: 'tflite',
      schemaVersion,
      description,
      subgraphCount: subgraphsVec.length,
      customOps: [...custom].map(([op, count]) => ({ op, domain: 'tflite-custom', count })),
    },
  };
}

export function hasTfliteIdentifier(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 8 &&
    bytes[4] === TFLITE_FILE_IDENTIFIER.charCodeAt(0) &&
    bytes[5] === TFLITE_FILE_IDENTIFIER.charCodeAt(1) &&
    bytes[6] === TFLITE_FILE_IDENTIFIER.charCodeAt(2) &&
    bytes[7] === TFLITE_FILE_IDENTIFIER.charCodeAt(3)
  );
}

/** Reads a TFLite flatbuffer; reader failures become MODEL_TRUNCATED / MODEL_INVALID. */
export function inspectTfliteModel(bytes: Uint8Array, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ModelInfo {
  try {
    return inspect(new CheckedFlatbuffer(bytes, limits.tfliteWorkFloor + limits.tfliteWorkPerByte * bytes.length), limits);
  } catch (e) {
    if (e instanceof FlatbufferWorkExceededError) {
      throw limitExceeded(
        FORMAT,
        'tfliteWorkPerByte',
        limits.tfliteWorkPerByte,
        `work per byte of file: reading it needed more than ${e.budget} table visits and vector elements for ${bytes.length} bytes, ` +
          'which happens when many entries point at one shared table or vector',
      );
    }
    if (e instanceof FlatbufferTruncatedError) {
      throw truncated(FORMAT, `${e.what} lies beyond the end of the file (needs ${e.neededBytes} bytes, has ${e.sizeBytes})`, {
        sizeBytes: e.sizeBytes,
        neededBytes: e.neededBytes,
      });
    }
    if (e instanceof FlatbufferCorruptError) throw invalid(FORMAT, e.message);
    throw e;
  }
}
