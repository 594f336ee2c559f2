/**
 * TFLite side of model inspection. There is no npm package with the generated TFLite schema,
 * so this reads just the fields we need from the flatbuffer (field indices as in
 * tensorflow/lite/schema/schema.fbs), through the bounds-checked reader.
 */
import type { TensorDtype, TensorSpec } from '@farm/contracts';
import type { ModelInfo, ModelNode } from './model-info.js';
import { CheckedFlatbuffer, FlatbufferCorruptError, FlatbufferTruncatedError, type TableRef } from './checked-flatbuffer.js';
import { TFLITE_CUSTOM_CODE, tfliteBuiltinOperatorName } from './tflite-builtin-ops.js';
import { invalid, truncated } from './model-errors.js';

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

function tensorSpec(t: TensorRecord): TensorSpec {
  const dims = t.shapeSignature ?? t.shape;
  return { name: t.name, dtype: tfliteDtype(t.type), shape: dims.map((d) => (d < 0 ? null : d)) };
}

function opName(fb: CheckedFlatbuffer, code: TableRef): string {
  // Old files only set the byte-wide deprecated field; new ones put 127 there and the real code in builtin_code.
  const builtin = Math.max(fb.int8(code, OPERATOR_CODE.deprecatedBuiltinCode, 0), fb.int32(code, OPERATOR_CODE.builtinCode, 0));
  if (builtin === TFLITE_CUSTOM_CODE) return fb.string(code, OPERATOR_CODE.customCode) || 'CUSTOM';
  return tfliteBuiltinOperatorName(builtin);
}

function tensorAt(tensors: TensorRecord[], index: number, where: string): TensorRecord {
  const t = tensors[index];
  if (!t) throw new FlatbufferCorruptError(`${where} refers to tensor ${index}, but the subgraph has ${tensors.length}`);
  return t;
}

function inspect(fb: CheckedFlatbuffer): ModelInfo {
  const model = fb.root('the root Model table');
  const schemaVersion = fb.uint32(model, MODEL.version, 0);
  const description = fb.string(model, MODEL.description) ?? '';

  const codesVec = fb.vector(model, MODEL.operatorCodes, 4);
  const opNames: string[] = [];
  for (let i = 0; i < (codesVec?.length ?? 0); i++) opNames.push(opName(fb, fb.tableAt(codesVec!, i, 'OperatorCode')));

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
    for (let i = 0; i < (tensorsVec?.length ?? 0); i++) tensors.push(readTensor(fb, fb.tableAt(tensorsVec!, i, 'Tensor')));
    for (const t of tensors) {
      if (t.buffer === 0 || countedBuffers.has(t.buffer) || !bufferHasData[t.buffer]) continue;
      countedBuffers.add(t.buffer);
      parameterCount += t.shape.reduce((p, d) => p * Math.max(d, 0), 1);
    }
    if (s === 0) main = { tensors, sg };
  }
  const { tensors, sg } = main!;

  const opHistogram: Record<string, number> = {};
  const nodes: ModelNode[] = [];
  const operatorsVec = fb.vector(sg, SUBGRAPH.operators, 4);
  for (let i = 0; i < (operatorsVec?.length ?? 0); i++) {
    const op = fb.tableAt(operatorsVec!, i, 'Operator');
    const codeIndex = fb.uint32(op, OPERATOR.opcodeIndex, 0);
    const opType = opNames[codeIndex];
    if (opType === undefined) throw new FlatbufferCorruptError(`operator ${i} uses operator code ${codeIndex}, but the model has ${opNames.length}`);
    opHistogram[opType] = (opHistogram[opType] ?? 0) + 1;
    const firstOutput = fb.int32s(fb.vector(op, OPERATOR.outputs, 4))[0];
    const out = firstOutput === undefined || firstOutput < 0 ? undefined : tensorAt(tensors, firstOutput, `operator ${i}`);
    nodes.push({ name: out ? out.name : `${opType}:${i}`, opType, depthwise: opType === 'DEPTHWISE_CONV_2D', ...(out ? { outputShape: out.shape } : {}) });
  }

  const specs = (field: number, what: string) => fb.int32s(fb.vector(sg, field, 4)).map((index) => tensorSpec(tensorAt(tensors, index, what)));

  return {
    format: 'tflite',
    inputs: specs(SUBGRAPH.inputs, 'subgraph inputs'),
    outputs: specs(SUBGRAPH.outputs, 'subgraph outputs'),
    opHistogram,
    nodeCount: nodes.length,
    nodes,
    parameterCount,
    metadata: { format: 'tflite', schemaVersion, description, subgraphCount: subgraphsVec.length },
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
export function inspectTfliteModel(bytes: Uint8Array): ModelInfo {
  try {
    return inspect(new CheckedFlatbuffer(bytes));
  } catch (e) {
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
