/**
 * @farm/int8-compiler: quantized ONNX -> native int8 runtime plan, post-training quantizer,
 * and fp32/int8 agreement metrics.
 */
export { compileToPlan, type CompileOptions, type CompileResult } from './compile.js';
export {
  quantizeOnnx,
  SYNTHETIC_CALIBRATION_WARNING,
  type QuantizeOptions,
  type QuantizeReport,
  type QuantizeResult,
  type ActivationType,
} from './quantizer/quantize.js';
export type { CalibrationMethod, CalibrationSample } from './quantizer/calibration.js';
export { calibrationInputBytes, SYNTHETIC_CALIBRATION_SAMPLES } from './quantizer/calibration-size.js';
export { agreement, type Agreement } from './agreement.js';
// The graph reader and per-node shape inference, for the API's layer alignment (which reads the same graphs).
export { OnnxGraph, type OnnxNode } from './onnx/onnx-graph.js';
export { inferNode } from './onnx/shape-inference.js';
export type { TensorDecl } from './plan/plan-writer.js';
export { runPlan, runnerAvailable, realValues, splitOutputs, DEFAULT_RUNNER, type RunnerReport, type RunResult } from './runner/int8-runner.js';
export { buildMobileNetV2, type MobileNetV2Options } from './testing/mobilenetv2-builder.js';
export { syntheticImage } from './testing/synthetic-images.js';
