/**
 * The vocabulary every part of the farm shares: which frameworks exist, which model formats
 * they read, and which platforms devices run. Kept as const tuples so zod enums, TypeScript
 * unions and OpenAPI docs all come from one list.
 */
export const FRAMEWORKS = ['onnxruntime', 'tflite', 'opencv-dnn', 'ncnn', 'coreml', 'native-int8'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** ncnn: a .param graph uploaded with its .bin weights (two files, one artifact). */
export const MODEL_FORMATS = ['onnx', 'tflite', 'ncnn'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

export const PLATFORMS = ['linux', 'macos', 'windows', 'android', 'ios'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Which uploaded formats a framework can load; the API refuses cells outside this table. */
export const FRAMEWORK_FORMATS: Record<Framework, readonly ModelFormat[]> = {
  onnxruntime: ['onnx'],
  tflite: ['tflite'],
  'opencv-dnn': ['onnx'],
  ncnn: ['ncnn'],
  coreml: [],
  'native-int8': ['onnx'],
};

export function frameworkReads(framework: Framework, format: ModelFormat): boolean {
  return FRAMEWORK_FORMATS[framework].includes(format);
}

/** ONNX op types that only appear in a quantized graph: such a model is what native-int8 runs. */
const QUANTIZED_OPS = ['QuantizeLinear', 'DequantizeLinear', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'QLinearAdd'];
export function isQuantizedOnnx(opHistogram: Record<string, number>): boolean {
  return QUANTIZED_OPS.some((op) => (opHistogram[op] ?? 0) > 0);
}
