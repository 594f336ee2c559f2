// Each engine's table against messages those engines print (taken from this repo's runs and
// runner-output fixtures); the runner specs check the same classes on the real engines.
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import type { TensorSpec } from '@farm/contracts';
import { classifyEngineFailure, type Engine, type EngineStage } from './engine-errors.js';

describe('engine error classes', () => {
  const cases: [Engine, EngineStage, string, string][] = [
    ['onnxruntime-node', 'load', 'Load model from x.onnx failed:Protobuf parsing failed.', 'model_rejected'],
    [
      'onnxruntime-node',
      'load',
      'Node (sr_branch) Op (If) [TypeInferenceError] Graph attribute inferencing failed: [ShapeInferenceError] Incompatible dimensions',
      'model_rejected',
    ],
    [
      'onnxruntime-node',
      'run',
      "Non-zero status code returned while running If node. Name:'sr_branch' Status Message: Attempting to broadcast an axis by a dimension other than 1. 3 by 16",
      'invalid_input',
    ],
    ['onnxruntime-node', 'run', '[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions for input: x', 'invalid_input'],
    ['tflite-wasm', 'load', "INVALID_ARGUMENT: Can't initialize model; the engine said: Encountered unresolved custom op: FarmCustomOp.", 'model_rejected'],
    ['tflite-wasm', 'run', 'tflite: Infer() returned false', 'invalid_input'],
    [
      'opencv-dnn',
      'run',
      "OpenCV(4.6.0) ./modules/dnn/src/layers/reshape_layer.cpp:108: error: (-215:Assertion failed) total(srcShape, srcRange.start, srcRange.end) == maskTotal in function 'computeShapeByReshapeMask'",
      'invalid_input',
    ],
    ['opencv-dnn', 'run', 'opencv_runner ended with signal SIGSEGV and no error report; stderr: ', 'crash'],
    ['native-int8', 'run', "terminate called after throwing an instance of 'std::bad_alloc'", 'out_of_memory'],
    ['ncnn', 'run', 'ncnn-runner ended with signal SIGSEGV and no error report; stderr: ', 'crash'],
    ['tflite-benchmark-model', 'load', 'benchmark_model: ERROR: Failed to apply GPU delegate.', 'model_rejected'],
    ['runner-process', 'run', 'onnxruntime: runner process was killed by SIGKILL without a result', 'crash'],
  ];
  it.each(cases)('%s (%s): %s -> %s', (engine, stage, message, expected) => {
    const f = classifyEngineFailure(engine, message, { stage });
    assert.equal(f.errorClass, expected);
    assert.equal(f.retryable, expected === 'crash' || expected === 'timeout');
  });

  it('a native program’s own code decides: shape_mismatch is the inputs, unsupported_op the model', () => {
    assert.equal(
      classifyEngineFailure('native-int8', 'node conv1: shape', { stage: 'run', nativeKind: 'model', nativeCode: 'shape_mismatch' }).errorClass,
      'invalid_input',
    );
    assert.equal(classifyEngineFailure('ncnn', 'op Foo', { stage: 'run', nativeKind: 'model', nativeCode: 'unsupported_op' }).errorClass, 'model_rejected');
  });

  it('hints at the synthetic inputs, small integer ones first, and not at inputs the request gave', () => {
    const inputs: TensorSpec[] = [
      { name: 'audio', dtype: 'float32', shape: [1, 16000] },
      { name: 'sr', dtype: 'int64', shape: [] },
    ];
    const msg = "Non-zero status code returned while running If node. Name:'b'";
    assert.match(
      classifyEngineFailure('onnxruntime-node', msg, { stage: 'run', inputs }).hint!,
      /control-flow node.*input `sr` \(int64 scalar\) needs a value/,
    );
    const given = classifyEngineFailure('onnxruntime-node', msg, { stage: 'run', inputs, options: { inputs: { sr: { kind: 'constant', value: 8000 } } } });
    assert.match(given.hint!, /inputs `audio` were synthetic/);
    assert.doesNotMatch(given.hint!, /`sr`/);
  });
});
