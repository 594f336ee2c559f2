/**
 * Core ML side of model inspection: recognises a serialized Core ML `Model` message (an
 * .mlmodel, or the model.mlmodel inside an .mlpackage) and summarises it: specification
 * version, model type, inputs and outputs (multi-array shape and dtype, image size and colour
 * space), and the layer list of a neuralNetwork or the op list of an mlProgram's MIL program.
 *
 * A hand-written minimal reader over protobufjs's wire Reader rather than the full vendored
 * .proto set: the inspector needs about thirty of the spec's thousands of fields, a
 * NeuralNetworkLayer's type is only visible as the number of its oneof field, and skipping
 * unread fields (weights) costs nothing. Field numbers below are those of the public Core ML
 * specification (apple/coremltools, mlmodel/format/*.proto, BSD-3-Clause); no text of it is
 * copied here.
 */
import protobuf from 'protobufjs/minimal.js';
import type { TensorDtype, TensorSpec } from '@farm/contracts';
import type { ModelInfo, ModelNode } from './model-info.js';
import { invalid, truncated } from './model-errors.js';

const FORMAT = 'Core ML';
const WIRE_VARINT = 0;
const WIRE_LEN = 2;

/** Model.Type oneof (Model.proto): the ones the farm can benchmark, and names for the rest. */
const MODEL_TYPES: ReadonlyMap<number, string> = new Map([
  [200, 'pipelineClassifier'],
  [201, 'pipelineRegressor'],
  [202, 'pipeline'],
  [300, 'glmRegressor'],
  [301, 'supportVectorRegressor'],
  [302, 'treeEnsembleRegressor'],
  [303, 'neuralNetworkRegressor'],
  [304, 'bayesianProbitRegressor'],
  [400, 'glmClassifier'],
  [401, 'supportVectorClassifier'],
  [402, 'treeEnsembleClassifier'],
  [403, 'neuralNetworkClassifier'],
  [404, 'kNearestNeighborsClassifier'],
  [500, 'neuralNetwork'],
  [501, 'itemSimilarityRecommender'],
  [502, 'mlProgram'],
  [555, 'customModel'],
  [556, 'linkedModel'],
  [560, 'classConfidenceThresholding'],
  [600, 'oneHotEncoder'],
  [601, 'imputer'],
  [602, 'featureVectorizer'],
  [603, 'dictVectorizer'],
  [604, 'scaler'],
  [606, 'categoricalMapping'],
  [607, 'normalizer'],
  [609, 'arrayFeatureExtractor'],
  [610, 'nonMaximumSuppression'],
  [900, 'identity'],
  [2000, 'textClassifier'],
  [2001, 'wordTagger'],
  [2002, 'visionFeaturePrint'],
  [2003, 'soundAnalysisPreprocessing'],
  [2004, 'gazetteer'],
  [2005, 'wordEmbedding'],
  [2006, 'audioFeaturePrint'],
  [3000, 'serializedModel'],
]);
const NEURAL_NETWORK_TYPES = new Set([303, 403, 500]);
const PIPELINE_TYPES = new Set([200, 201, 202]);
const ML_PROGRAM = 502;

/**
 * NeuralNetworkLayer.layer oneof (NeuralNetwork.proto): field number -> the spec's field name,
 * which is what Xcode's performance report and MLComputePlan show as the layer type. Layers not
 * listed keep "layer<field number>" so the histogram still counts them.
 */
const NN_LAYER_TYPES: ReadonlyMap<number, string> = new Map([
  [100, 'convolution'],
  [120, 'pooling'],
  [130, 'activation'],
  [140, 'innerProduct'],
  [150, 'embedding'],
  [160, 'batchnorm'],
  [165, 'mvn'],
  [170, 'l2normalize'],
  [175, 'softmax'],
  [180, 'lrn'],
  [190, 'crop'],
  [200, 'padding'],
  [210, 'upsample'],
  [211, 'resizeBilinear'],
  [212, 'cropResize'],
  [220, 'unary'],
  [230, 'add'],
  [231, 'multiply'],
  [240, 'average'],
  [245, 'scale'],
  [250, 'bias'],
  [260, 'max'],
  [261, 'min'],
  [270, 'dot'],
  [280, 'reduce'],
  [290, 'loadConstant'],
  [300, 'reshape'],
  [301, 'flatten'],
  [310, 'permute'],
  [320, 'concat'],
  [330, 'split'],
  [345, 'reorganizeData'],
  [350, 'slice'],
  [400, 'simpleRecurrent'],
  [410, 'gru'],
  [420, 'uniDirectionalLSTM'],
  [430, 'biDirectionalLSTM'],
  [500, 'custom'],
  [600, 'copy'],
  [660, 'clip'],
  [760, 'tanh'],
  [795, 'gelu'],
  [880, 'addBroadcastable'],
  [890, 'divideBroadcastable'],
  [900, 'multiplyBroadcastable'],
  [905, 'subtractBroadcastable'],
  [930, 'gather'],
  [950, 'softmaxND'],
  [975, 'splitND'],
  [980, 'concatND'],
  [985, 'transpose'],
  [995, 'sliceStatic'],
  [1045, 'batchedMatmul'],
  [1070, 'loadConstantND'],
  [1120, 'squeeze'],
  [1125, 'expandDims'],
  [1130, 'flattenTo2D'],
  [1140, 'reshapeStatic'],
  [1155, 'constantPad'],
  [1260, 'reduceMax'],
  [1270, 'reduceSum'],
  [1280, 'reduceMean'],
  [1350, 'layerNormalization'],
  [1460, 'clampedReLU'],
  [1465, 'pooling3d'],
  [1466, 'globalPooling3d'],
  [1471, 'convolution3d'],
]);
const NN_CONVOLUTION = 100;
const NN_ACTIVATION = 130;
/** ActivationParams.NonlinearityType oneof: reported as the layer's op type, so ReLU and sigmoid are told apart. */
const ACTIVATIONS: ReadonlyMap<number, string> = new Map([
  [5, 'linear'],
  [10, 'ReLU'],
  [15, 'leakyReLU'],
  [20, 'thresholdedReLU'],
  [25, 'PReLU'],
  [30, 'tanh'],
  [31, 'scaledTanh'],
  [40, 'sigmoid'],
  [41, 'sigmoidHard'],
  [50, 'ELU'],
  [60, 'softsign'],
  [70, 'softplus'],
  [71, 'parametricSoftplus'],
]);

/** ArrayFeatureType.ArrayDataType. */
const ARRAY_DTYPES: ReadonlyMap<number, TensorDtype> = new Map([
  [65568, 'float32'],
  [65600, 'float64'],
  [65552, 'float16'],
  [131104, 'int32'],
  [131080, 'int8'],
]);
/** ImageFeatureType.ColorSpace. */
const COLOR_SPACES: ReadonlyMap<number, CoreMlColorSpace> = new Map([
  [10, 'GRAYSCALE'],
  [20, 'RGB'],
  [30, 'BGR'],
  [40, 'GRAYSCALE_FLOAT16'],
]);

/** Pipelines nest models; no real pipeline nests deeper than a few levels, and a bound keeps a hostile file off the stack. */
const MAX_PIPELINE_DEPTH = 8;
/** MIL blocks nest through control flow (cond, while_loop); the same reasoning. */
const MAX_BLOCK_DEPTH = 16;

export type CoreMlColorSpace = 'GRAYSCALE' | 'RGB' | 'BGR' | 'GRAYSCALE_FLOAT16';

export interface CoreMlFeature {
  name: string;
  kind: 'multiArray' | 'image' | 'int64' | 'double' | 'string' | 'dictionary' | 'sequence' | 'state' | 'unknown';
  /** multiArray: declared shape and dtype. image: [1, channels, height, width] and the pixel type. */
  shape: (number | null)[];
  dtype: TensorDtype;
  /** image inputs and outputs only. */
  image?: { width: number; height: number; colorSpace: CoreMlColorSpace | 'INVALID' };
  /** multiArray with ShapeFlexibility (enumerated shapes or ranges): the declared shape is only the default. */
  flexibleShape?: boolean;
}

export interface CoreMlModelMetadata {
  format: 'coreml';
  /** Model.specificationVersion: which Core ML release can load it (e.g. 4 = iOS 14, 7 = iOS 16, 8 = iOS 17). */
  specificationVersion: number;
  /** The oneof Model.Type that is set: neuralNetwork (also its Classifier/Regressor), mlProgram, pipeline(Classifier/Regressor), or another spec name. */
  modelType: string;
  /** .mlmodel: one protobuf file. mlpackage: a zipped package directory with model.mlmodel and (mlProgram) weights. */
  container: 'mlmodel' | 'mlpackage';
  inputs: CoreMlFeature[];
  outputs: CoreMlFeature[];
  /** mlProgram: the MIL opset of the main function's block (e.g. "CoreML7"). */
  milOpset?: string;
  /** pipeline: the sub-model types in order. */
  pipelineModels?: string[];
  author?: string;
  versionString?: string;
}

interface Field {
  field: number;
  wire: number;
  /** wire 0: the varint as a number; wire 2: the bytes. */
  value: number | Uint8Array;
}

/** Reads every top-level field of one message, skipping other wire types; throws on bytes that do not parse. */
function fields(bytes: Uint8Array): Field[] {
  const r = protobuf.Reader.create(bytes);
  const out: Field[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) throw new Error('field number 0');
    if (wire === WIRE_VARINT) out.push({ field, wire, value: longToNumber(r.int64()) });
    else if (wire === WIRE_LEN) out.push({ field, wire, value: r.bytes() });
    else r.skipType(wire);
  }
  return out;
}

/** protobufjs returns a Long only when the optional `long` package is installed; either way a JS number comes out. */
function longToNumber(v: number | protobuf.Long): number {
  return typeof v === 'number' ? v : protobuf.util.LongBits.from(v).toNumber();
}

function str(b: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(b);
}

function lenFields(fs: Field[], n: number): Uint8Array[] {
  return fs.filter((f) => f.field === n && f.wire === WIRE_LEN).map((f) => f.value as Uint8Array);
}
function firstLen(fs: Field[], n: number): Uint8Array | undefined {
  return lenFields(fs, n)[0];
}
function firstVarint(fs: Field[], n: number): number | undefined {
  const f = fs.find((x) => x.field === n && x.wire === WIRE_VARINT);
  return f ? (f.value as number) : undefined;
}
/** Repeated scalar: packed (one LEN field) or not (several varints), as proto3 allows either. */
function repeatedVarints(fs: Field[], n: number): number[] {
  const out: number[] = [];
  for (const f of fs) {
    if (f.field !== n) continue;
    if (f.wire === WIRE_VARINT) out.push(f.value as number);
    else if (f.wire === WIRE_LEN) {
      const r = protobuf.Reader.create(f.value as Uint8Array);
      while (r.pos < r.len) out.push(longToNumber(r.int64()));
    }
  }
  return out;
}

/**
 * True when the bytes are a complete Core ML Model message: every top-level field parses, a
 * specificationVersion and a description are present, and exactly one known model type is set.
 * No ONNX ModelProto passes (its fields end at 25; a Core ML type field is 200 or more).
 */
export function isCoreMlModel(bytes: Uint8Array): boolean {
  let fs: Field[];
  try {
    fs = fields(bytes);
  } catch {
    return false;
  }
  const version = firstVarint(fs, 1);
  const types = fs.filter((f) => MODEL_TYPES.has(f.field) && f.wire === WIRE_LEN);
  return version !== undefined && version > 0 && version < 1000 && firstLen(fs, 2) !== undefined && types.length === 1;
}

function feature(bytes: Uint8Array): CoreMlFeature {
  const fs = fields(bytes);
  const name = str(firstLen(fs, 1) ?? new Uint8Array());
  const typeBytes = firstLen(fs, 3);
  const unknown: CoreMlFeature = { name, kind: 'unknown', shape: [], dtype: 'unknown' };
  if (!typeBytes) return unknown;
  const t = fields(typeBytes);
  const image = firstLen(t, 4);
  if (image) {
    const im = fields(image);
    const width = firstVarint(im, 1) ?? 0;
    const height = firstVarint(im, 2) ?? 0;
    const colorSpace = COLOR_SPACES.get(firstVarint(im, 3) ?? 0) ?? 'INVALID';
    const channels = colorSpace === 'RGB' || colorSpace === 'BGR' ? 3 : 1;
    return {
      name,
      kind: 'image',
      shape: [1, channels, height || null, width || null],
      dtype: colorSpace === 'GRAYSCALE_FLOAT16' ? 'float16' : 'uint8',
      image: { width, height, colorSpace },
    };
  }
  const array = firstLen(t, 5);
  if (array) {
    const a = fields(array);
    return {
      name,
      kind: 'multiArray',
      shape: repeatedVarints(a, 1),
      dtype: ARRAY_DTYPES.get(firstVarint(a, 2) ?? 0) ?? 'unknown',
      ...(firstLen(a, 21) || firstLen(a, 31) ? { flexibleShape: true } : {}),
    };
  }
  const scalarKinds: [number, CoreMlFeature['kind'], TensorDtype][] = [
    [1, 'int64', 'int64'],
    [2, 'double', 'float64'],
    [3, 'string', 'unknown'],
    [6, 'dictionary', 'unknown'],
    [7, 'sequence', 'unknown'],
    [8, 'state', 'unknown'],
  ];
  for (const [n, kind, dtype] of scalarKinds) if (firstLen(t, n)) return { name, kind, shape: kind === 'int64' || kind === 'double' ? [1] : [], dtype };
  return unknown;
}

function toTensorSpec(f: CoreMlFeature): TensorSpec {
  return { name: f.name, dtype: f.dtype, shape: f.shape };
}

function neuralNetworkLayers(bytes: Uint8Array, prefix: string): ModelNode[] {
  return lenFields(fields(bytes), 1).map((layerBytes, i) => {
    const l = fields(layerBytes);
    const name = `${prefix}${str(firstLen(l, 1) ?? new Uint8Array()) || `layer${i}`}`;
    const typeField = l.find((f) => f.field >= 100 && f.wire === WIRE_LEN);
    if (!typeField) return { name, opType: 'unknown', depthwise: false };
    if (typeField.field === NN_CONVOLUTION) {
      const c = fields(typeField.value as Uint8Array);
      const groups = firstVarint(c, 10) ?? 1;
      const kernelChannels = firstVarint(c, 2) ?? 0;
      const deconv = (firstVarint(c, 60) ?? 0) !== 0;
      // Depthwise: one input channel per group (kernelChannels is the per-group input channel count).
      return { name, opType: deconv ? 'deconvolution' : 'convolution', depthwise: groups > 1 && kernelChannels === 1 };
    }
    if (typeField.field === NN_ACTIVATION) {
      const kind = fields(typeField.value as Uint8Array).find((f) => ACTIVATIONS.has(f.field));
      return { name, opType: kind ? ACTIVATIONS.get(kind.field)! : 'activation', depthwise: false };
    }
    return { name, opType: NN_LAYER_TYPES.get(typeField.field) ?? `layer${typeField.field}`, depthwise: false };
  });
}

/** MIL: Program.functions["main"] (or the first), its block for the function's opset, every operation including nested blocks. */
function milOperations(bytes: Uint8Array, prefix: string): { nodes: ModelNode[]; opset: string | undefined } {
  const program = fields(bytes);
  const functions = lenFields(program, 2).map((entry) => {
    const e = fields(entry);
    return { name: str(firstLen(e, 1) ?? new Uint8Array()), value: firstLen(e, 2) };
  });
  const main = functions.find((f) => f.name === 'main') ?? functions[0];
  if (!main?.value) throw invalid(FORMAT, 'its ML Program has no functions');
  const fn = fields(main.value);
  const opset = firstLen(fn, 2) ? str(firstLen(fn, 2)!) : undefined;
  const blocks = lenFields(fn, 3).map((entry) => {
    const e = fields(entry);
    return { name: str(firstLen(e, 1) ?? new Uint8Array()), value: firstLen(e, 2) };
  });
  const block = blocks.find((b) => b.name === opset) ?? blocks[0];
  if (!block?.value) throw invalid(FORMAT, `its ML Program function "${main.name}" has no block`);
  const nodes: ModelNode[] = [];
  const walk = (blockBytes: Uint8Array, depth: number): void => {
    if (depth > MAX_BLOCK_DEPTH) throw invalid(FORMAT, `its ML Program nests blocks deeper than ${MAX_BLOCK_DEPTH}`);
    for (const opBytes of lenFields(fields(blockBytes), 3)) {
      const op = fields(opBytes);
      const type = str(firstLen(op, 1) ?? new Uint8Array());
      const firstOutput = firstLen(op, 3);
      const outName = firstOutput ? str(firstLen(fields(firstOutput), 1) ?? new Uint8Array()) : '';
      // MIL keeps constants as `const` ops; they cost nothing at run time and would swamp the histogram.
      if (type !== 'const') nodes.push({ name: `${prefix}${outName || `${type}_${nodes.length}`}`, opType: type, depthwise: false });
      for (const inner of lenFields(op, 4)) walk(inner, depth + 1);
    }
  };
  walk(block.value, 0);
  return { nodes, opset };
}

interface TypeSummary {
  modelType: string;
  nodes: ModelNode[];
  milOpset?: string;
  pipelineModels?: string[];
}

function summariseType(modelFields: Field[], depth: number, prefix: string): TypeSummary {
  const typeField = modelFields.find((f) => MODEL_TYPES.has(f.field) && f.wire === WIRE_LEN);
  if (!typeField) throw invalid(FORMAT, 'it sets no model type (neuralNetwork, mlProgram, pipeline, ...)');
  const modelType = MODEL_TYPES.get(typeField.field)!;
  const body = typeField.value as Uint8Array;
  if (NEURAL_NETWORK_TYPES.has(typeField.field)) return { modelType, nodes: neuralNetworkLayers(body, prefix) };
  if (typeField.field === ML_PROGRAM) {
    const { nodes, opset } = milOperations(body, prefix);
    return { modelType, nodes, ...(opset ? { milOpset: opset } : {}) };
  }
  if (PIPELINE_TYPES.has(typeField.field)) {
    if (depth >= MAX_PIPELINE_DEPTH) throw invalid(FORMAT, `its pipelines nest deeper than ${MAX_PIPELINE_DEPTH}`);
    // PipelineClassifier/Regressor wrap a Pipeline in field 1; a Pipeline holds the models in field 1 and their names in field 2.
    const pipeline = typeField.field === 202 ? fields(body) : fields(firstLen(fields(body), 1) ?? new Uint8Array());
    const names = lenFields(pipeline, 2).map(str);
    const nodes: ModelNode[] = [];
    const pipelineModels: string[] = [];
    lenFields(pipeline, 1).forEach((sub, i) => {
      const s = summariseType(fields(sub), depth + 1, `${names[i] ?? `model${i}`}/`);
      pipelineModels.push(s.modelType);
      nodes.push(...s.nodes);
    });
    return { modelType, nodes, pipelineModels };
  }
  return { modelType, nodes: [] };
}

/** Inspects one serialized Core ML Model message (an .mlmodel file, or an .mlpackage's model.mlmodel). */
export function inspectCoreMlModel(bytes: Uint8Array, container: 'mlmodel' | 'mlpackage' = 'mlmodel'): ModelInfo {
  let fs: Field[];
  try {
    fs = fields(bytes);
  } catch (e) {
    // protobufjs reports a field that runs past the end as "index out of range".
    if (e instanceof RangeError || /index out of range/.test(String(e))) throw truncated(FORMAT, 'a field runs past the end of the file');
    throw invalid(FORMAT, `it is not a protobuf Model message (${e instanceof Error ? e.message : String(e)})`);
  }
  const specificationVersion = firstVarint(fs, 1) ?? 0;
  const description = firstLen(fs, 2);
  if (!description || specificationVersion <= 0) throw invalid(FORMAT, 'it has no specificationVersion or no description');
  const d = fields(description);
  const inputs = lenFields(d, 1).map(feature);
  const outputs = lenFields(d, 10).map(feature);
  const meta = firstLen(d, 100);
  const m = meta ? fields(meta) : [];
  const summary = summariseType(fs, 0, '');
  const opHistogram: Record<string, number> = {};
  for (const n of summary.nodes) opHistogram[n.opType] = (opHistogram[n.opType] ?? 0) + 1;
  const author = firstLen(m, 3);
  const versionString = firstLen(m, 2);
  return {
    format: 'coreml',
    inputs: inputs.map(toTensorSpec),
    outputs: outputs.map(toTensorSpec),
    opHistogram,
    nodeCount: summary.nodes.length,
    nodes: summary.nodes,
    // Weights sit in WeightParams (neuralNetwork) or a weights file (mlProgram); counting them is not needed to run the model.
    parameterCount: 0,
    metadata: {
      format: 'coreml',
      specificationVersion,
      modelType: summary.modelType,
      container,
      inputs,
      outputs,
      ...(summary.milOpset ? { milOpset: summary.milOpset } : {}),
      ...(summary.pipelineModels ? { pipelineModels: summary.pipelineModels } : {}),
      ...(author ? { author: str(author) } : {}),
      ...(versionString ? { versionString: str(versionString) } : {}),
    },
  };
}
