/**
 * Op coverage data: onnxruntime-node 1.30.0 (package.json pin ^1.30.0), CPU execution provider.
 * Source: the engine's own load check (model_load_utils.h ValidateOpsetForDomain), which says
 * "Current official support for domain ai.onnx is till opset 26" for a model stamped opset 27, run
 * here against the installed package; and ONNX Runtime's docs/OperatorKernels.md, where the CPU
 * provider implements the ai.onnx and ai.onnx.ml operator sets and the com.microsoft contrib ops
 * vary by build. Ops of any other domain need a custom-op library the farm never registers.
 */
export const ONNXRUNTIME_COVERAGE = {
  engine: 'onnxruntime-node 1.30.0 (CPU)',
  maxDefaultOpset: 26,
  /** Domains whose ops the CPU provider implements. */
  domains: ['', 'ai.onnx', 'ai.onnx.ml'],
  /** Contrib domain: some ops have CPU kernels, some only on other providers. */
  contribDomains: ['com.microsoft'],
} as const;
