import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { stripProfilerSuffix } from './layer-classifier.js';

test('profiler decorations are stripped back to the model node name', () => {
  assert.equal(
    stripProfilerSuffix('StatefulPartitionedCall/functional_1/depthwise_conv2d/depthwise:0_nchwc'),
    'StatefulPartitionedCall/functional_1/depthwise_conv2d/depthwise',
  );
  assert.equal(
    stripProfilerSuffix('onnx_node!StatefulPartitionedCall/functional_1/depthwise_conv2d/depthwise'),
    'StatefulPartitionedCall/functional_1/depthwise_conv2d/depthwise',
  );
  assert.equal(stripProfilerSuffix('conv1_kernel_time'), 'conv1');
  assert.equal(stripProfilerSuffix('plain'), 'plain');
});
