/**
 * What inspecting a model yields. The API stores it on upload (so it can refuse cells it
 * cannot run and show the model's signature), and agents use it to build inputs and to map
 * profiler rows back to graph nodes.
 */
import type { ModelFormat, TensorSpec } from '@farm/contracts';
import type { CoreMlModelMetadata } from './coreml-model.js';

export interface ModelNode {
  /** ONNX: node name, or its first output when the node is unnamed. TFLite: the first output tensor's name, which is what benchmark_model prints. NCNN: the layer name. */
  name: string;
  /** ONNX op type, TFLite builtin name (e.g. CONV_2D), or a TFLite custom op's custom_code. */
  opType: string;
  depthwise: boolean;
  /** TFLite: the first output tensor's shape (NHWC), which layer alignment compares with the ONNX graph's. */
  outputShape?: number[];
}

/**
 * An op outside the standard set, listed at upload: a TFLite custom code (domain "tflite-custom"),
 * or an ONNX op of a domain other than the default and ai.onnx.ml (its domain, e.g. "com.microsoft").
 */
export interface CustomOp {
  op: string;
  domain: string;
  count: number;
}

export interface OnnxOpset {
  /** '' is the default ai.onnx domain. */
  domain: string;
  version: number;
}

export interface OnnxModelMetadata {
  format: 'onnx';
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: OnnxOpset[];
  /** Opset of the default domain, null when the model does not import it. */
  opset: number | null;
  customOps: CustomOp[];
}

export interface TfliteModelMetadata {
  format: 'tflite';
  schemaVersion: number;
  description: string;
  subgraphCount: number;
  customOps: CustomOp[];
}

export interface NcnnModelMetadata {
  format: 'ncnn';
  /** Text .param, or the binary one ncnn2mem writes (no names; layer types as registry numbers). */
  paramEncoding: 'text' | 'binary';
  layerCount: number;
  blobCount: number;
}

export interface ModelInfo {
  format: ModelFormat;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** op type -> number of nodes of that type in the main graph. */
  opHistogram: Record<string, number>;
  nodeCount: number;
  /** Nodes of the main graph (ONNX top-level graph, TFLite subgraph 0, NCNN's layers) in execution order. */
  nodes: ModelNode[];
  /** Elements (not bytes) held in initializers (ONNX), constant buffers (TFLite) or the .bin (NCNN: the layers this inspector knows). */
  parameterCount: number;
  metadata: OnnxModelMetadata | TfliteModelMetadata | NcnnModelMetadata | CoreMlModelMetadata;
}
