import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { OP_CLASSES, type OpClass } from '@farm/contracts';
import { canonicalOpClass } from './index.js';
import { TFLITE_BUILTIN_OPERATORS } from './tflite-builtin-ops.js';

type Case = [opType: string, expected: OpClass];

/** Per framework, op type names as that framework's profiler or layer API reports them. */
const CASES: Record<string, Case[]> = {
  onnx: [
    ['Conv', 'conv'], ['ConvInteger', 'conv'], ['QLinearConv', 'conv'], ['ConvTranspose', 'conv'],
    ['Gemm', 'fully_connected'], ['MatMul', 'fully_connected'], ['MatMulInteger', 'fully_connected'], ['QLinearMatMul', 'fully_connected'],
    ['Relu', 'activation'], ['Clip', 'activation'], ['PRelu', 'activation'], ['LeakyRelu', 'activation'], ['Sigmoid', 'activation'],
    ['HardSwish', 'activation'], ['Tanh', 'activation'],
    ['Add', 'elementwise'], ['Mul', 'elementwise'], ['Sub', 'elementwise'], ['Div', 'elementwise'], ['BatchNormalization', 'elementwise'],
    ['MaxPool', 'pool'], ['AveragePool', 'pool'], ['GlobalAveragePool', 'pool'], ['GlobalMaxPool', 'pool'], ['ReduceMean', 'pool'],
    ['Resize', 'resize'], ['Upsample', 'resize'],
    ['Reshape', 'reshape_transpose'], ['Transpose', 'reshape_transpose'], ['Concat', 'reshape_transpose'], ['Flatten', 'reshape_transpose'],
    ['Pad', 'reshape_transpose'], ['Squeeze', 'reshape_transpose'], ['Unsqueeze', 'reshape_transpose'], ['Slice', 'reshape_transpose'],
    ['Softmax', 'softmax'], ['LogSoftmax', 'softmax'],
    ['QuantizeLinear', 'quantize'], ['DequantizeLinear', 'quantize'], ['DynamicQuantizeLinear', 'quantize'],
    ['Constant', 'other'], ['ConstantOfShape', 'other'], ['Shape', 'other'], ['NonMaxSuppression', 'other'], ['TopK', 'other'],
  ],
  'onnxruntime profiler': [
    ['FusedConv', 'conv'], ['NhwcConv', 'conv'], ['NhwcFusedConv', 'conv'], ['FusedGemm', 'fully_connected'], ['FusedMatMul', 'fully_connected'],
    ['QGemm', 'fully_connected'], ['DynamicQuantizeMatMul', 'fully_connected'], ['MatMulIntegerToFloat', 'fully_connected'],
    ['QLinearAdd', 'elementwise'], ['QLinearMul', 'elementwise'], ['QLinearSigmoid', 'activation'], ['QLinearLeakyRelu', 'activation'],
    ['QLinearAveragePool', 'pool'], ['QLinearGlobalAveragePool', 'pool'], ['NhwcMaxPool', 'pool'], ['QLinearConcat', 'reshape_transpose'],
    ['QLinearSoftmax', 'softmax'], ['ReorderInput', 'reshape_transpose'], ['ReorderOutput', 'reshape_transpose'],
    ['Gelu', 'activation'], ['FastGelu', 'activation'], ['BiasGelu', 'activation'], ['SkipLayerNormalization', 'elementwise'],
    ['com.microsoft.FusedConv', 'conv'],
  ],
  'tflite builtins': [
    ['CONV_2D', 'conv'], ['DEPTHWISE_CONV_2D', 'depthwise_conv'], ['TRANSPOSE_CONV', 'conv'], ['CONV_3D', 'conv'],
    ['FULLY_CONNECTED', 'fully_connected'], ['BATCH_MATMUL', 'fully_connected'],
    ['ADD', 'elementwise'], ['SUB', 'elementwise'], ['MUL', 'elementwise'], ['DIV', 'elementwise'], ['SQUARED_DIFFERENCE', 'elementwise'],
    ['MAXIMUM', 'elementwise'], ['MINIMUM', 'elementwise'], ['RSQRT', 'elementwise'],
    ['MAX_POOL_2D', 'pool'], ['AVERAGE_POOL_2D', 'pool'], ['L2_POOL_2D', 'pool'], ['MEAN', 'pool'],
    ['PAD', 'reshape_transpose'], ['PADV2', 'reshape_transpose'], ['MIRROR_PAD', 'reshape_transpose'], ['RESHAPE', 'reshape_transpose'],
    ['CONCATENATION', 'reshape_transpose'], ['TRANSPOSE', 'reshape_transpose'], ['SQUEEZE', 'reshape_transpose'],
    ['STRIDED_SLICE', 'reshape_transpose'], ['DEPTH_TO_SPACE', 'reshape_transpose'], ['SPACE_TO_DEPTH', 'reshape_transpose'],
    ['GATHER', 'reshape_transpose'], ['SPLIT_V', 'reshape_transpose'], ['PACK', 'reshape_transpose'],
    ['RESIZE_BILINEAR', 'resize'], ['RESIZE_NEAREST_NEIGHBOR', 'resize'],
    ['LOGISTIC', 'activation'], ['RELU', 'activation'], ['RELU6', 'activation'], ['RELU_N1_TO_1', 'activation'], ['RELU_0_TO_1', 'activation'],
    ['LEAKY_RELU', 'activation'], ['PRELU', 'activation'], ['HARD_SWISH', 'activation'], ['TANH', 'activation'], ['ELU', 'activation'],
    ['GELU', 'activation'],
    ['SOFTMAX', 'softmax'], ['LOG_SOFTMAX', 'softmax'],
    ['QUANTIZE', 'quantize'], ['DEQUANTIZE', 'quantize'], ['FAKE_QUANT', 'quantize'],
    ['CUSTOM', 'other'], ['DELEGATE', 'other'], ['TfLiteXNNPackDelegate', 'other'], ['TfLiteGpuDelegateV2', 'other'],
    ['NON_MAX_SUPPRESSION_V4', 'other'], ['DENSIFY', 'other'], ['WHILE', 'other'],
  ],
  'xnnpack in TFLite "Delegate internal"': [
    ['Convolution (NHWC, F32) IGEMM', 'conv'], ['Convolution (NHWC, F32) GEMM', 'conv'], ['Convolution (NHWC, QC8) IGEMM', 'conv'],
    ['Convolution (NHWC, F32) DWConv', 'depthwise_conv'], ['Convolution (NHWC, QS8) DWConv', 'depthwise_conv'],
    ['Convolution (NHWC, F32) VMulCAddC', 'depthwise_conv'], ['Convolution (NCHW, F32) SpMM', 'conv'],
    ['Convolution (NCHW, F32) Conv2D HWC2CHW', 'conv'], ['Convolution (NCHW, F32) DWConv', 'depthwise_conv'],
    ['Deconvolution (NHWC, F32) IGEMM', 'conv'],
    ['Fully Connected (NC, F32) GEMM', 'fully_connected'], ['Fully Connected (NC, QD8, F32, QC8W) GEMM', 'fully_connected'],
    ['Batch Matrix Multiply (NC, F32)', 'fully_connected'],
    ['Max Pooling (NHWC, F32)', 'pool'], ['Average Pooling (NHWC, F32)', 'pool'], ['Global Average Pooling (NWC, F32)', 'pool'],
    ['Global Average Pooling (NCW, F32)', 'pool'], ['Argmax Pooling (NHWC, F32)', 'pool'], ['Mean (ND, F32)', 'pool'],
    ['Add (ND, F32)', 'elementwise'], ['Multiply (ND, F32)', 'elementwise'], ['Subtract (ND, F32)', 'elementwise'],
    ['Divide (ND, F32)', 'elementwise'], ['Squared Difference (NC, F32)', 'elementwise'], ['Square Root (NC, F32)', 'elementwise'],
    ['Maximum (ND, F32)', 'elementwise'], ['Negate (NC, F32)', 'elementwise'], ['Bankers Rounding (NC, F32)', 'elementwise'],
    ['Constant Pad (ND, X32)', 'reshape_transpose'], ['Copy (NC, X32)', 'reshape_transpose'], ['Transpose (ND, X32)', 'reshape_transpose'],
    ['Depth To Space (NHWC, X32)', 'reshape_transpose'], ['Slice (ND, X32)', 'reshape_transpose'], ['Channel Shuffle (NC, X8)', 'reshape_transpose'],
    ['Resize Bilinear (NHWC, F32)', 'resize'],
    ['Sigmoid (NC, F32)', 'activation'], ['Clamp (NC, F32)', 'activation'], ['HardSwish (NC, F32)', 'activation'],
    ['Leaky ReLU (NC, F32)', 'activation'], ['PReLU (NC, F32)', 'activation'], ['Tanh (NC, F32)', 'activation'], ['ELU (NC, F32)', 'activation'],
    ['Softmax (NC, F32)', 'softmax'],
    ['Convert (NC, F32, QS8)', 'quantize'], ['Convert (NC, QS8, F32)', 'quantize'], ['Convert (NC, F32, QD8)', 'quantize'],
    // As it appears in the Name column of benchmark_model's table.
    ['Delegate/Convolution (NHWC, QC8) IGEMM:0', 'conv'], ['Delegate/Convolution (NHWC, F32) DWConv:3', 'depthwise_conv'],
  ],
  'opencv dnn': [
    ['Convolution', 'conv'], ['Deconvolution', 'conv'], ['ConvolutionInt8', 'conv'],
    ['ReLU', 'activation'], ['ReLU6', 'activation'], ['PReLU', 'activation'], ['ChannelsPReLU', 'activation'], ['Sigmoid', 'activation'],
    ['TanH', 'activation'], ['Swish', 'activation'], ['Mish', 'activation'], ['ELU', 'activation'], ['ReLUInt8', 'activation'],
    ['Pooling', 'pool'], ['PoolingInt8', 'pool'],
    ['Eltwise', 'elementwise'], ['NaryEltwise', 'elementwise'], ['EltwiseInt8', 'elementwise'], ['BatchNorm', 'elementwise'],
    ['Scale', 'elementwise'], ['Power', 'elementwise'], ['AbsVal', 'elementwise'], ['Shortcut', 'elementwise'],
    ['Concat', 'reshape_transpose'], ['Reshape', 'reshape_transpose'], ['Permute', 'reshape_transpose'], ['Flatten', 'reshape_transpose'],
    ['Padding', 'reshape_transpose'], ['Identity', 'reshape_transpose'], ['Slice', 'reshape_transpose'], ['Split', 'reshape_transpose'],
    ['Crop', 'reshape_transpose'], ['ShuffleChannel', 'reshape_transpose'],
    ['Softmax', 'softmax'], ['SoftmaxInt8', 'softmax'],
    ['InnerProduct', 'fully_connected'], ['InnerProductInt8', 'fully_connected'], ['Gemm', 'fully_connected'], ['MatMul', 'fully_connected'],
    ['Resize', 'resize'], ['Interp', 'resize'],
    ['Quantize', 'quantize'], ['Dequantize', 'quantize'],
    ['Const', 'other'], ['ConstInt8', 'other'],
  ],
  ncnn: [
    ['Convolution', 'conv'], ['ConvolutionDepthWise', 'depthwise_conv'], ['Convolution1D', 'conv'], ['ConvolutionDepthWise1D', 'depthwise_conv'],
    ['Deconvolution', 'conv'], ['DeconvolutionDepthWise', 'depthwise_conv'],
    ['InnerProduct', 'fully_connected'], ['Gemm', 'fully_connected'], ['Pooling', 'pool'],
    ['ReLU', 'activation'], ['Clip', 'activation'], ['Sigmoid', 'activation'], ['Swish', 'activation'], ['HardSwish', 'activation'],
    ['HardSigmoid', 'activation'], ['TanH', 'activation'], ['PReLU', 'activation'], ['GELU', 'activation'],
    ['BinaryOp', 'elementwise'], ['UnaryOp', 'elementwise'], ['Eltwise', 'elementwise'], ['BatchNorm', 'elementwise'], ['Scale', 'elementwise'],
    ['Interp', 'resize'],
    ['Concat', 'reshape_transpose'], ['Reshape', 'reshape_transpose'], ['Permute', 'reshape_transpose'], ['Split', 'reshape_transpose'],
    ['Padding', 'reshape_transpose'], ['Slice', 'reshape_transpose'], ['Crop', 'reshape_transpose'], ['Flatten', 'reshape_transpose'],
    ['Packing', 'reshape_transpose'], ['ShuffleChannel', 'reshape_transpose'],
    ['Softmax', 'softmax'], ['Quantize', 'quantize'], ['Dequantize', 'quantize'], ['Requantize', 'quantize'],
    ['Input', 'other'], ['MemoryData', 'other'],
  ],
  'core ml': [
    // NeuralNetwork layer types
    ['convolution', 'conv'], ['innerProduct', 'fully_connected'], ['batchedMatmul', 'fully_connected'], ['batchnorm', 'elementwise'],
    ['activation', 'activation'], ['pooling', 'pool'], ['padding', 'reshape_transpose'], ['concat', 'reshape_transpose'],
    ['softmax', 'softmax'], ['add', 'elementwise'], ['multiply', 'elementwise'], ['upsample', 'resize'], ['resizeBilinear', 'resize'],
    ['reshape', 'reshape_transpose'], ['flatten', 'reshape_transpose'], ['permute', 'reshape_transpose'], ['scale', 'elementwise'],
    ['loadConstant', 'other'],
    // ML Program ops, as MLComputePlan names them
    ['ios17.conv', 'conv'], ['ios17.conv_transpose', 'conv'], ['ios17.linear', 'fully_connected'], ['ios17.matmul', 'fully_connected'],
    ['ios16.relu', 'activation'], ['ios17.clip', 'activation'], ['ios17.sigmoid', 'activation'], ['ios17.mul', 'elementwise'],
    ['ios17.add', 'elementwise'], ['ios17.real_div', 'elementwise'], ['ios17.max_pool', 'pool'], ['ios17.avg_pool', 'pool'],
    ['ios17.reduce_mean', 'pool'], ['ios17.reshape', 'reshape_transpose'], ['ios17.transpose', 'reshape_transpose'],
    ['ios17.concat', 'reshape_transpose'], ['ios17.pad', 'reshape_transpose'], ['ios17.slice_by_index', 'reshape_transpose'],
    ['ios17.softmax', 'softmax'], ['ios17.upsample_nearest_neighbor', 'resize'], ['ios17.resize_bilinear', 'resize'],
    ['ios17.quantize', 'quantize'], ['ios17.dequantize', 'quantize'], ['ios16.constexpr_affine_dequantize', 'quantize'],
    ['ios17.batch_norm', 'elementwise'], ['ios17.const', 'other'],
  ],
  'native int8 runtime': [
    ['conv2d', 'conv'], ['depthwise_conv2d', 'depthwise_conv'], ['fully_connected', 'fully_connected'], ['add', 'elementwise'],
    ['relu', 'activation'], ['max_pool', 'pool'], ['avg_pool', 'pool'], ['global_avg_pool', 'pool'], ['concat', 'reshape_transpose'],
    ['reshape', 'reshape_transpose'], ['transpose', 'reshape_transpose'], ['pad', 'reshape_transpose'], ['resize_nearest', 'resize'],
    ['resize_bilinear', 'resize'], ['quantize', 'quantize'], ['dequantize', 'quantize'], ['sigmoid', 'activation'],
    ['softmax', 'softmax'],
  ],
};

describe('canonicalOpClass', () => {
  for (const [framework, cases] of Object.entries(CASES)) {
    it(`maps ${framework} op names`, () => {
      for (const [opType, expected] of cases) assert.equal(canonicalOpClass(opType), expected, `${framework}: ${opType}`);
    });
  }

  it('is case-insensitive and tolerates separators and whitespace', () => {
    for (const name of ['conv2d', 'CONV2D', 'Conv2D', 'conv_2d', ' CONV_2D ', 'Conv-2d']) assert.equal(canonicalOpClass(name), 'conv', name);
    for (const name of ['depthwiseconv2d', 'DepthwiseConv2D', 'DEPTHWISE_CONV_2D', 'depthwise-conv-2d']) {
      assert.equal(canonicalOpClass(name), 'depthwise_conv', name);
    }
    assert.equal(canonicalOpClass('GLOBALAVERAGEPOOL'), 'pool');
    assert.equal(canonicalOpClass('max pooling'), 'pool');
  });

  it('turns a conv into depthwise_conv only when the caller says it is depthwise', () => {
    for (const conv of ['Conv', 'Convolution', 'QLinearConv', 'CONV_2D', 'conv2d', 'ios17.conv']) {
      assert.equal(canonicalOpClass(conv, { depthwise: true }), 'depthwise_conv', conv);
      assert.equal(canonicalOpClass(conv, { depthwise: false }), 'conv', conv);
      assert.equal(canonicalOpClass(conv), 'conv', conv);
    }
    // The hint never turns a non-conv into a conv, and never un-depthwises a name that says depthwise.
    assert.equal(canonicalOpClass('Relu', { depthwise: true }), 'activation');
    assert.equal(canonicalOpClass('DEPTHWISE_CONV_2D', { depthwise: false }), 'depthwise_conv');
  });

  it('falls back to name fragments for unseen variants, with convert/depthwise ahead of conv', () => {
    const cases: Case[] = [
      ['FusedConvAddRelu', 'conv'], ['MyDepthwiseConvV3', 'depthwise_conv'], ['QOrderedMatMul', 'fully_connected'],
      ['CustomMaxPoolWithArgmax', 'pool'], ['BilinearResizeHalfPixel', 'resize'], ['Relu6Fused', 'activation'],
      ['ConvertToFp16', 'quantize'], ['ChannelwiseQuantizeLinear', 'quantize'],
    ];
    for (const [opType, expected] of cases) assert.equal(canonicalOpClass(opType), expected, opType);
  });

  it('returns other for unknown and empty names', () => {
    for (const name of ['', '   ', 'Whatever', 'NonZero', 'TfLiteXNNPackDelegate', 'Delegate/', '()', 'BUILTIN_999']) {
      assert.equal(canonicalOpClass(name), 'other', JSON.stringify(name));
    }
  });

  it('always answers with a member of OP_CLASSES, for every TFLite builtin', () => {
    for (const name of TFLITE_BUILTIN_OPERATORS) assert.ok(OP_CLASSES.includes(canonicalOpClass(name)), name);
  });
});
