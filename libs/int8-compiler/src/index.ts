/**
 * @farm/int8-compiler: quantized ONNX -> native int8 runtime plan, post-training quantizer,
 * and fp32/int8 agreement metrics.
 */
export { compileToPlan, type CompileOptions, type CompileResult } from './compile.js';
