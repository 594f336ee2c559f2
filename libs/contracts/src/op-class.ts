/**
 * Canonical op classes: the common axis on which per-layer timings from different
 * frameworks are compared (a TFLite "DEPTHWISE_CONV_2D", an ONNX "Conv" with group == C and an
 * OpenCV "Convolution" layer with groups all land in depthwise_conv).
 */
export const OP_CLASSES = [
  'conv',
  'depthwise_conv',
  'fully_connected',
  'pool',
  'elementwise',
  'activation',
  'resize',
  'reshape_transpose',
  'softmax',
  'quantize',
  'other',
] as const;
export type OpClass = (typeof OP_CLASSES)[number];
