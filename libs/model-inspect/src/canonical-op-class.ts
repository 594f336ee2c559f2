/**
 * Maps an op type, as any of our frameworks' profilers name it, onto the shared OpClass axis
 * on which per-layer timings are compared: ONNX / ONNX Runtime op types, TFLite builtins,
 * XNNPACK operators inside TFLite's "Delegate internal" table, OpenCV DNN and NCNN layer
 * types, Core ML layers and ML Program ops, and the native int8 runtime's snake_case ops.
 *
 * Names are folded to lower-case alphanumerics first, so CONV_2D, Conv2D and conv2d are one
 * key and one table serves every framework. Choices that are not obvious:
 * - data movement (pad, concat, split, slice, copy, gather, identity) counts as reshape_transpose;
 * - normalisation layers and casts are elementwise (at inference they are per-element affine maps);
 * - MEAN / ReduceMean are pool: in vision models they are global average pooling;
 * - ConvTranspose / Deconvolution are conv.
 */
import type { OpClass } from '@farm/contracts';

export interface OpClassHints {
  /** Set by callers that know the layer is a grouped conv with one input channel per group (OpenCV, ONNX group == C, Core ML). */
  depthwise?: boolean;
}

const CLASS_KEYS: Readonly<Record<Exclude<OpClass, 'other'>, readonly string[]>> = {
  conv: [
    'conv',
    'conv1d',
    'conv2d',
    'conv3d',
    'convolution',
    'convolution1d',
    'convolution3d',
    'convinteger',
    'qlinearconv',
    'fusedconv',
    'nhwcconv',
    'convtranspose',
    'convtranspose2d',
    'conv2dtranspose',
    'conv3dtranspose',
    'transposeconv',
    'deconv',
    'deconv2d',
    'deconvolution',
    'deconvolution1d',
    'deconvolution3d',
    'stablehloconvolution',
  ],
  depthwise_conv: [
    'depthwiseconv',
    'depthwiseconv2d',
    'depthwiseconv2dnative',
    'depthwiseconvolution',
    'convolutiondepthwise',
    'convolutiondepthwise1d',
    'deconvolutiondepthwise',
    'dwconv',
    'dwconv2d',
  ],
  fully_connected: [
    'fullyconnected',
    'dynamicfullyconnected',
    'gemm',
    'qgemm',
    'fusedgemm',
    'matmul',
    'matmulinteger',
    'qlinearmatmul',
    'fusedmatmul',
    'matmulintegertofloat',
    'dynamicquantizematmul',
    'batchmatmul',
    'batchedmatmul',
    'batchmatrixmultiply',
    'innerproduct',
    'linear',
    'dense',
    'dotgeneral',
    'stablehlodotgeneral',
  ],
  pool: [
    'pool',
    'pooling',
    'pooling1d',
    'pooling3d',
    'maxpool',
    'maxpool2d',
    'maxpooling',
    'averagepool',
    'averagepool2d',
    'averagepooling',
    'avgpool',
    'avgpool2d',
    'globalaveragepool',
    'globalaveragepooling',
    'globalavgpool',
    'globalmaxpool',
    'globalmaxpooling',
    'globalsumpooling',
    'argmaxpooling',
    'pixelwiseaveragepooling',
    'l2pool',
    'l2pool2d',
    'lppool',
    'globallppool',
    'mean',
    'reducemean',
    'reducewindow',
    'stablehloreducewindow',
  ],
  activation: [
    'activation',
    'relu',
    'relu6',
    'relu1',
    'relun1to1',
    'relu0to1',
    'leakyrelu',
    'prelu',
    'channelsprelu',
    'elu',
    'selu',
    'celu',
    'gelu',
    'fastgelu',
    'biasgelu',
    'quickgelu',
    'sigmoid',
    'logistic',
    'hardsigmoid',
    'sigmoidhard',
    'hardswish',
    'swish',
    'silu',
    'mish',
    'tanh',
    'scaledtanh',
    'softplus',
    'softsign',
    'clip',
    'clamp',
    'thresholdedrelu',
    'threshold',
    'bnll',
    'shrink',
    'stablehlologistic',
    'stablehloclamp',
    'stablehlotanh',
  ],
  softmax: ['softmax', 'logsoftmax'],
  resize: [
    'resize',
    'resizebilinear',
    'resizenearest',
    'resizenearestneighbor',
    'upsample',
    'upsamplenearestneighbor',
    'upsamplebilinear',
    'interp',
    'cropresize',
  ],
  reshape_transpose: [
    'reshape',
    'staticreshape',
    'reshapestatic',
    'reshapelike',
    'transpose',
    'statictranspose',
    'permute',
    'flatten',
    'flattento2d',
    'squeeze',
    'unsqueeze',
    'expanddims',
    'concat',
    'concatnd',
    'concatenation',
    'concatenate',
    'qlinearconcat',
    'split',
    'splitv',
    'splitnd',
    'evensplit',
    'slice',
    'staticslice',
    'stridedslice',
    'slicestatic',
    'slicebyindex',
    'slicebysize',
    'crop',
    'pad',
    'padv2',
    'mirrorpad',
    'constantpad',
    'padding',
    'copy',
    'identity',
    'gather',
    'gathernd',
    'gatherelements',
    'tile',
    'expand',
    'broadcastto',
    'spacetodepth',
    'depthtospace',
    'spacetobatchnd',
    'batchtospacend',
    'pack',
    'unpack',
    'stack',
    'shufflechannel',
    'channelshuffle',
    'pixelshuffle',
    'reorg',
    'packing',
    'reorderinput',
    'reorderoutput',
    'dropout',
    'stablehloreshape',
    'stablehlotranspose',
    'stablehloconcatenate',
    'stablehloslice',
    'stablehlopad',
    'stablehlobroadcastindim',
  ],
  elementwise: [
    'add',
    'addv2',
    'addn',
    'biasadd',
    'sub',
    'subtract',
    'mul',
    'multiply',
    'div',
    'divide',
    'realdiv',
    'floordiv',
    'floormod',
    'mod',
    'pow',
    'power',
    'sqrt',
    'squareroot',
    'rsqrt',
    'reciprocalsquareroot',
    'reciprocal',
    'square',
    'squareddifference',
    'exp',
    'log',
    'abs',
    'absval',
    'neg',
    'negate',
    'floor',
    'ceil',
    'ceiling',
    'round',
    'bankersrounding',
    'truncation',
    'sign',
    'erf',
    'sin',
    'cos',
    'tan',
    'asin',
    'acos',
    'atan',
    'sinh',
    'cosh',
    'asinh',
    'acosh',
    'atanh',
    'isinf',
    'isnan',
    'castlike',
    'greaterorequal',
    'lessorequal',
    'bitshift',
    'max',
    'min',
    'maximum',
    'minimum',
    'sum',
    'eltwise',
    'naryeltwise',
    'binaryop',
    'unaryop',
    'unary',
    'scale',
    'bias',
    'shortcut',
    'batchnorm',
    'batchnormalization',
    'fusedbatchnorm',
    'instancenorm',
    'instancenormalization',
    'layernorm',
    'layernormalization',
    'skiplayernormalization',
    'simplifiedlayernormalization',
    'groupnorm',
    'groupnormalization',
    'lrn',
    'localresponsenormalization',
    'l2normalization',
    'l2normalize',
    'l2norm',
    'normalize',
    'mvn',
    'cast',
    'equal',
    'notequal',
    'greater',
    'greaterequal',
    'less',
    'lessequal',
    'where',
    'select',
    'selectv2',
    'and',
    'or',
    'xor',
    'not',
    'logicaland',
    'logicalor',
    'logicalnot',
    'addbroadcastable',
    'multiplybroadcastable',
    'subtractbroadcastable',
    'dividebroadcastable',
    'maxbroadcastable',
    'minbroadcastable',
  ],
  quantize: [
    'quantize',
    'dequantize',
    'requantize',
    'quantizelinear',
    'dequantizelinear',
    'dynamicquantizelinear',
    'quantizev2',
    'fakequant',
    'convert',
    'constexpraffinedequantize',
    'constexprblockwiseshiftscale',
    'constexprlut2dense',
    'constexprluttodense',
    'stablehloconvert',
  ],
};

const TABLE: ReadonlyMap<string, OpClass> = new Map(Object.entries(CLASS_KEYS).flatMap(([cls, keys]) => keys.map((k) => [k, cls as OpClass] as const)));

/** Framework decorations around a base op: ORT quantized/fused/layout variants, OpenCV int8 layers, ONNX *Integer ops. */
const PREFIXES = ['qlinear', 'fused', 'nhwc', 'nchwc', 'quantized', 'dynamic', 'stablehlo'];
const SUFFIXES = ['int8', 'integer', 'v2', 'nd'];

/** Last resort for names outside the table; ordered so that "convert" wins over "conv" and "depthwise" over "conv". */
const SUBSTRING_RULES: readonly [RegExp, OpClass][] = [
  [/quantiz|^convert/, 'quantize'],
  [/depthwise|dwconv/, 'depthwise_conv'],
  [/conv/, 'conv'],
  [/softmax/, 'softmax'],
  [/pool/, 'pool'],
  [/resize|upsample|interp/, 'resize'],
  [/matmul|gemm|fullyconnected|innerproduct/, 'fully_connected'],
  [/relu|sigmoid|swish|gelu|tanh|clip|clamp/, 'activation'],
  [/reshape|transpose|permute|concat|pad|split|slice|squeeze|flatten/, 'reshape_transpose'],
  [/eltwise|binaryop|norm/, 'elementwise'],
];

/** XNNPACK: "<Operator> (<layout>, <types>) <micro-kernel>", e.g. "Convolution (NHWC, F32) DWConv". */
const XNNPACK_NAME = /^([A-Za-z][A-Za-z0-9 ]*?)\s*\(([^)]*)\)\s*(.*)$/;
/** XNNPACK micro-kernels that only ever implement one-input-channel-per-group convolutions. */
const XNNPACK_DEPTHWISE_KERNELS = /^(dwconv|vmulcaddc)/i;

function key(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function lookup(k: string): OpClass | undefined {
  const direct = TABLE.get(k);
  if (direct) return direct;
  for (const p of PREFIXES) {
    if (k.startsWith(p) && k.length > p.length) {
      const hit = TABLE.get(k.slice(p.length));
      if (hit) return hit;
    }
  }
  for (const s of SUFFIXES) {
    if (k.endsWith(s) && k.length > s.length) {
      const hit = TABLE.get(k.slice(0, -s.length));
      if (hit) return hit;
    }
  }
  return undefined;
}

function classify(raw: string): OpClass {
  // TFLite prints delegate rows as "Delegate/<op>:<index>" in the name column; callers sometimes pass that.
  let name = raw
    .trim()
    .replace(/^delegate\//i, '')
    .replace(/:\d+$/, '');

  const xnn = XNNPACK_NAME.exec(name);
  if (xnn) {
    const [, op = '', , kernel = ''] = xnn;
    if (key(op) === 'convolution' && XNNPACK_DEPTHWISE_KERNELS.test(kernel.trim())) return 'depthwise_conv';
    name = op;
  }

  // Domain-qualified names: Core ML ML Program ops ("ios17.conv"), ONNX custom domains ("com.microsoft.FusedConv").
  const dot = name.lastIndexOf('.');
  if (dot >= 0 && dot < name.length - 1) name = name.slice(dot + 1);

  const k = key(name);
  if (k === '') return 'other';
  const hit = lookup(k);
  if (hit) return hit;
  for (const [re, cls] of SUBSTRING_RULES) if (re.test(k)) return cls;
  return 'other';
}

export function canonicalOpClass(opType: string, hints?: OpClassHints): OpClass {
  const cls = classify(opType);
  return cls === 'conv' && hints?.depthwise === true ? 'depthwise_conv' : cls;
}
