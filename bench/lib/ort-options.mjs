// The ONNX Runtime session options the agent's runner uses (device-agents onnxruntime.runner.ts),
// for the benches that run the engine beside the farm and must measure it set up the same way.
// Not frozen: onnxruntime-node wraps the options in a proxy that a frozen object breaks.
export const RUNNER_ORT_OPTIONS = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
  logSeverityLevel: 3,
};
