/**
 * @farm/model-inspect: what an uploaded model is (format from content), what it looks like
 * (signature, op histogram, depthwise convs, parameters), and the canonical op class of any
 * op type a framework's profiler reports.
 */
export { detectModelFormat, inspectModel, inspectNcnnUpload, inspectUpload, isNcnnParam } from './inspect-model.js';
export { inspectCoreMlModel, isCoreMlModel, type CoreMlFeature, type CoreMlModelMetadata, type CoreMlColorSpace } from './coreml-model.js';
export { DEFAULT_MLPACKAGE_LIMITS, hasZipMagic, openMlPackage, type MlPackage, type MlPackageFile, type MlPackageLimits } from './mlpackage.js';
export { checkNcnnWeights, inspectNcnnParam, type NcnnInspection } from './ncnn-model.js';
export { canonicalOpClass, type OpClassHints } from './canonical-op-class.js';
export type { CustomOp, ModelInfo, ModelNode, NcnnModelMetadata, OnnxModelMetadata, OnnxOpset, TfliteModelMetadata } from './model-info.js';
export { ACCEPTED_FORMATS_HINT } from './model-errors.js';
export { DEFAULT_PARSE_LIMITS, type ParseLimits } from './parse-limits.js';
export { TFLITE_BUILTIN_OPERATORS, tfliteBuiltinOperatorName } from './tflite-builtin-ops.js';
export { parseTensorFile, TENSOR_FILE_FORMATS, type ParsedTensor, type TensorFileFormat } from './tensor-file.js';
export { frameworkVerdicts, type VerdictInput } from './verdicts/framework-verdicts.js';
