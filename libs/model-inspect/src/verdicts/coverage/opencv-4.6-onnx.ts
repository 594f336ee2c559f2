/**
 * Op coverage data: OpenCV DNN 4.6.0 as Debian 12 packages it (libopencv-dnn-dev, the runner's
 * build). Source: modules/dnn/src/onnx/onnx_importer.cpp, ONNXImporter::buildDispatchMap(): the
 * op types the importer parses itself. The list is the 4.5-era map, which 4.6 keeps whole (the
 * map only grew between releases), so every op here is in 4.6's importer; an op not listed may
 * still load (the importer hands unknown types to the layer registry by name), so it is "unknown",
 * never "runnable". Attributes are not checked (a Conv without kernel_shape is refused by 4.6).
 */
export const OPENCV_ONNX_COVERAGE = {
  engine: 'OpenCV DNN 4.6.0 (Debian libopencv-dnn406)',
  importerOps: [
    'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'Slice', 'Split', 'Add', 'Sum', 'Sub',
    'Pow', 'Max', 'Neg', 'Constant', 'LSTM', 'GRU', 'ImageScaler', 'Clip', 'LeakyRelu', 'Relu', 'Elu', 'Tanh', 'PRelu', 'LRN', 'InstanceNormalization',
    'BatchNormalization', 'Gemm', 'MatMul', 'Mul', 'Div', 'Conv', 'ConvTranspose', 'Transpose', 'Squeeze', 'Flatten', 'Unsqueeze', 'Expand', 'Reshape',
    'Pad', 'Shape', 'Cast', 'ConstantFill', 'ConstantOfShape', 'Gather', 'Concat', 'Resize', 'Upsample', 'SoftMax', 'LogSoftmax', 'DetectionOutput',
  ],
  /** Control flow: OpenCV 4.x DNN builds a static layer graph and has no If/Loop/Scan layer. */
  unsupportedOps: ['If', 'Loop', 'Scan'],
} as const;
