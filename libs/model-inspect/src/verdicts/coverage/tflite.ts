/**
 * Op coverage data: TFLite as the farm runs it, @tensorflow/tfjs-tflite 0.0.1-alpha.10's WebAssembly
 * runtime on the desktop and the operator's benchmark_model on phones. Source: both resolve ops with
 * TFLite's BuiltinOpResolver (tensorflow/lite/kernels/register.cc), which registers the builtin
 * operators; custom codes resolve only when the binary registers them, and the farm's binaries
 * register none beyond the resolver's own.
 */
export const TFLITE_COVERAGE = {
  engine: 'TFLite (tfjs-tflite 0.0.1-alpha.10 wasm; benchmark_model on phones)',
  /** Custom codes register.cc adds to the builtin resolver itself: whether a given build has them is not known here. */
  resolverCustomOps: ['TFLite_Detection_PostProcess', 'Mfcc', 'AudioSpectrogram'],
} as const;
