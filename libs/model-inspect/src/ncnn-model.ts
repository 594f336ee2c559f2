/**
 * NCNN side of model inspection. An NCNN model is two files: the .param (the graph: layers in
 * execution order with their bottom and top blobs and a key=value dictionary each) and the .bin
 * (the weights, a bare concatenation with no header). Only the .param says what the model is;
 * the .bin is checked against the sizes the .param's layers will read.
 *
 * Both .param encodings start with the magic 7767517: as text ("7767517\n<layers> <blobs>\n" then
 * one layer a line), or as int32 little-endian words (what ncnn2mem writes: names are gone and
 * each layer's type is a number in NCNN's layer registry, which is kept here as "#<number>").
 */
import type { TensorSpec } from '@farm/contracts';
import type { ModelInfo, ModelNode, NcnnModelMetadata } from './model-info.js';
import { invalid, truncated } from './model-errors.js';

export const NCNN_PARAM_MAGIC = 7767517;
const FORMAT = 'NCNN .param';
/** Binary dictionaries end with this key; keys at or below ARRAY_KEY_BASE hold an array. */
const BINARY_DICT_END = -233;
const ARRAY_KEY_BASE = -23300;

type ParamValue = number | number[];

interface NcnnLayer {
  type: string;
  name: string;
  bottoms: string[];
  tops: string[];
  params: Map<number, ParamValue>;
}

interface NcnnGraph {
  encoding: 'text' | 'binary';
  layerCount: number;
  blobCount: number;
  layers: NcnnLayer[];
}

export function hasNcnnTextMagic(bytes: Uint8Array): boolean {
  // "7767517" then whitespace: a text .param's first line.
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 8));
  return /^7767517\s/.test(head);
}

export function hasNcnnBinaryMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0, true) === NCNN_PARAM_MAGIC;
}

function parseValue(text: string, where: string): number {
  const v = Number(text);
  if (text === '' || !Number.isFinite(v)) throw invalid(FORMAT, `${where} has the value "${text}", not a number`);
  return v;
}

function parseText(bytes: Uint8Array): NcnnGraph {
  const lines = new TextDecoder('utf-8').decode(bytes).split(/\r?\n/);
  const counts = (lines[1] ?? '').trim().split(/\s+/);
  if (counts.length < 2) throw truncated(FORMAT, 'it ends before the layer and blob counts');
  const layerCount = parseValue(counts[0]!, 'the layer count');
  const blobCount = parseValue(counts[1]!, 'the blob count');
  if (!Number.isInteger(layerCount) || !Number.isInteger(blobCount) || layerCount < 1 || blobCount < 1) {
    throw invalid(FORMAT, `the header declares ${counts[0]} layers and ${counts[1]} blobs`);
  }
  const layers: NcnnLayer[] = [];
  for (const raw of lines.slice(2)) {
    const line = raw.trim();
    if (line === '') continue;
    const f = line.split(/\s+/);
    const where = `layer ${layers.length + 1} ("${f[1] ?? ''}")`;
    if (f.length < 4) throw invalid(FORMAT, `${where} needs a type, a name and bottom/top counts`);
    const nBottom = parseValue(f[2]!, `${where}'s bottom count`);
    const nTop = parseValue(f[3]!, `${where}'s top count`);
    const blobs = f.slice(4, 4 + nBottom + nTop);
    if (blobs.length < nBottom + nTop || blobs.some((b) => b.includes('='))) throw invalid(FORMAT, `${where} lists fewer blobs than its counts say`);
    const params = new Map<number, ParamValue>();
    for (const kv of f.slice(4 + nBottom + nTop)) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw invalid(FORMAT, `${where} has "${kv}" where a key=value is expected`);
      const key = parseValue(kv.slice(0, eq), `${where}'s key`);
      const value = kv.slice(eq + 1);
      // Array keys (-23300 - id) hold "count,v1,v2,...".
      params.set(
        key <= ARRAY_KEY_BASE ? -key + ARRAY_KEY_BASE : key,
        key <= ARRAY_KEY_BASE
          ? value
              .split(',')
              .slice(1)
              .map((v) => parseValue(v, `${where}'s array`))
          : parseValue(value, `${where}'s ${key}`),
      );
    }
    layers.push({ type: f[0]!, name: f[1]!, bottoms: f.slice(4, 4 + nBottom), tops: f.slice(4 + nBottom, 4 + nBottom + nTop), params });
  }
  if (layers.length !== layerCount) {
    throw (layers.length < layerCount ? truncated : invalid)(FORMAT, `the header declares ${layerCount} layers and ${layers.length} follow`);
  }
  return { encoding: 'text', layerCount, blobCount, layers };
}

function parseBinary(bytes: Uint8Array): NcnnGraph {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 4;
  const word = (): number => {
    if (at + 4 > bytes.length) throw truncated(FORMAT, `it ends at byte ${bytes.length} inside layer ${layers.length + 1}`);
    const v = view.getInt32(at, true);
    at += 4;
    return v;
  };
  const layers: NcnnLayer[] = [];
  const layerCount = word();
  const blobCount = word();
  if (layerCount < 1 || blobCount < 1) throw invalid(FORMAT, `the header declares ${layerCount} layers and ${blobCount} blobs`);
  for (let l = 0; l < layerCount; l++) {
    const typeIndex = word();
    const nBottom = word();
    const nTop = word();
    if (nBottom < 0 || nTop < 0 || nBottom + nTop > blobCount) throw invalid(FORMAT, `layer ${l + 1} declares ${nBottom} bottoms and ${nTop} tops`);
    const bottoms = Array.from({ length: nBottom }, () => `blob${word()}`);
    const tops = Array.from({ length: nTop }, () => `blob${word()}`);
    const params = new Map<number, ParamValue>();
    // Values are 4-byte ints or floats and the encoding does not say which; kept as ints, which is
    // what the keys read here (counts and sizes) are.
    for (let key = word(); key !== BINARY_DICT_END; key = word()) {
      if (key <= ARRAY_KEY_BASE) {
        const len = word();
        if (len < 0 || at + len * 4 > bytes.length) throw truncated(FORMAT, `layer ${l + 1}'s array of ${len} values is cut short`);
        params.set(
          -key + ARRAY_KEY_BASE,
          Array.from({ length: len }, () => word()),
        );
      } else {
        params.set(key, word());
      }
    }
    // The registry index is NCNN's; custom layers set bit 8 (LayerType::CustomBit).
    layers.push({ type: `#${typeIndex}`, name: `layer${l}`, bottoms, tops, params });
  }
  return { encoding: 'binary', layerCount, blobCount, layers };
}

function num(p: Map<number, ParamValue>, key: number, fallback = 0): number {
  const v = p.get(key);
  return typeof v === 'number' ? v : fallback;
}

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * What one layer reads from the .bin, as [fewest bytes, most bytes, elements], or null when this
 * inspector does not know the layer's weights. A "type 0" weight (conv and fully connected
 * kernels) starts with a 4-byte tag and may be fp32, fp16, int8 or a 256-entry quantization table
 * with 8-bit indices (NCNN's modelbin.cpp); "type 1" data (biases, norms) is bare float32.
 */
function layerWeights(layer: NcnnLayer): [number, number, number] | null {
  const p = layer.params;
  const tagged = (n: number): [number, number] => [4 + align4(n), 4 + Math.max(4 * n, 1024 + align4(n))];
  switch (layer.type) {
    case 'Convolution':
    case 'ConvolutionDepthWise':
    case 'Deconvolution':
    case 'DeconvolutionDepthWise':
    case 'InnerProduct': {
      const dynamicKey = layer.type.startsWith('Deconvolution') ? 28 : 19;
      if (num(p, dynamicKey) !== 0) return [0, 0, 0];
      // int8 scales follow the weights in quantized models; their count depends on the layer.
      if (num(p, 8) !== 0) return null;
      const w = num(p, layer.type === 'InnerProduct' ? 2 : 6);
      const bias = num(p, layer.type === 'InnerProduct' ? 1 : 5) ? 4 * num(p, 0) : 0;
      const [min, max] = tagged(w);
      return [min + bias, max + bias, w + bias / 4];
    }
    case 'BatchNorm':
      return [16 * num(p, 0), 16 * num(p, 0), 4 * num(p, 0)];
    case 'Scale': {
      const n = num(p, 0);
      if (n === -233) return [0, 0, 0];
      const floats = n * (num(p, 1) ? 2 : 1);
      return [4 * floats, 4 * floats, floats];
    }
    case 'PReLU':
      return [4 * num(p, 0), 4 * num(p, 0), num(p, 0)];
    case 'MemoryData': {
      // A constant blob of w x h x d x c (the dims that are set); 21=load_type, 1 (bare floats) by default.
      const n = [0, 1, 11, 2]
        .map((k) => num(p, k))
        .filter((v) => v > 0)
        .reduce((a, b) => a * b, 1);
      if (num(p, 21, 1) === 1) return [4 * n, 4 * n, n];
      const [min, max] = tagged(n);
      return [min, max, n];
    }
    default:
      return WEIGHTLESS.has(layer.type) ? [0, 0, 0] : null;
  }
}

/** Layer types that read nothing from the .bin (checked against NCNN's src/layer/*.cpp load_model). */
const WEIGHTLESS = new Set([
  'Input',
  'Split',
  'ReLU',
  'ReLU6',
  'Clip',
  'Sigmoid',
  'TanH',
  'Swish',
  'HardSwish',
  'HardSigmoid',
  'Mish',
  'ELU',
  'GELU',
  'Pooling',
  'Eltwise',
  'BinaryOp',
  'UnaryOp',
  'Concat',
  'Slice',
  'Crop',
  'Padding',
  'Reshape',
  'Flatten',
  'Permute',
  'Softmax',
  'Interp',
  'Dropout',
  'Noop',
  'Reduction',
  'ShuffleChannel',
  'PixelShuffle',
  'Squeeze',
  'ExpandDims',
  'Dequantize',
  'Quantize',
]);

function nodes(g: NcnnGraph): ModelNode[] {
  return g.layers.map((l) => ({
    name: l.name,
    opType: l.type,
    // NCNN's depthwise layer also serves grouped convs; it is depthwise when every group is one channel.
    depthwise: l.type === 'ConvolutionDepthWise' && num(l.params, 7, 1) === num(l.params, 0),
  }));
}

/** An Input layer's declared shape (0=w 1=h 11=d 2=c), outermost first; symbolic when the converter left it out. */
function inputSpec(l: NcnnLayer): TensorSpec {
  const [w, h, d, c] = [num(l.params, 0), num(l.params, 1), num(l.params, 11), num(l.params, 2)];
  const dims = [c, d, h, w].filter((v) => v > 0);
  return { name: l.tops[0] ?? l.name, dtype: 'float32', shape: dims.length > 0 ? dims : ['C', 'H', 'W'] };
}

export interface NcnnInspection {
  info: ModelInfo;
  /** The .bin size range the .param's layers read; max is null when a layer's weights are not known here. */
  weightBytes: { min: number; max: number | null };
}

export function inspectNcnnParam(bytes: Uint8Array): NcnnInspection {
  const g = hasNcnnBinaryMagic(bytes) ? parseBinary(bytes) : parseText(bytes);
  const produced = new Set<string>();
  const consumed = new Set<string>();
  for (const l of g.layers) {
    l.tops.forEach((t) => produced.add(t));
    l.bottoms.forEach((b) => consumed.add(b));
  }
  const inputs = g.layers.filter((l) => l.type === 'Input').map(inputSpec);
  // The .param declares no outputs: they are the blobs no layer consumes, as Net::output_names()
  // finds them; their shapes are only known once the model runs.
  const outputs: TensorSpec[] = [...produced].filter((b) => !consumed.has(b)).map((name) => ({ name, dtype: 'float32', shape: [] }));
  const opHistogram: Record<string, number> = {};
  let min = 0;
  let max: number | null = 0;
  let parameterCount = 0;
  for (const l of g.layers) {
    opHistogram[l.type] = (opHistogram[l.type] ?? 0) + 1;
    const w = g.encoding === 'text' ? layerWeights(l) : null;
    if (w === null) max = null;
    else {
      min += w[0];
      if (max !== null) max += w[1];
      parameterCount += w[2];
    }
  }
  const metadata: NcnnModelMetadata = { format: 'ncnn', paramEncoding: g.encoding, layerCount: g.layerCount, blobCount: g.blobCount };
  return {
    info: { format: 'ncnn', inputs, outputs, opHistogram, nodeCount: g.layers.length, nodes: nodes(g), parameterCount, metadata },
    weightBytes: { min, max },
  };
}

/** Refuses a .bin whose size no reading of the .param's layers could consume (NCNN ignores trailing bytes, so a wrong .bin can load). */
export function checkNcnnWeights(inspection: NcnnInspection, weightsSize: number): void {
  const { min, max } = inspection.weightBytes;
  if (weightsSize < min || (max !== null && weightsSize > max)) {
    const expected = max === null ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`;
    throw invalid('NCNN .bin', `it has ${weightsSize} bytes, but the .param's layers read ${expected}; upload the .bin made with this .param`, {
      weightsBytes: weightsSize,
      expectedMin: min,
      expectedMax: max,
    });
  }
}
