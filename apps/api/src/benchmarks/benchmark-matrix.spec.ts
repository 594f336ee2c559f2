import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { BenchmarkRequestSchema, DomainError } from '@farm/contracts';
import { expandMatrix, targetableDevices, type MatrixArtifact, type MatrixDevice } from './benchmark-matrix.js';

const desktop: MatrixDevice = { id: 'd1', name: 'desk', frameworks: ['onnxruntime', 'tflite', 'opencv-dnn', 'native-int8'] };
const phone: MatrixDevice = { id: 'd2', name: 'phone', frameworks: ['tflite'] };
const onnx: MatrixArtifact = { id: 'a1', format: 'onnx', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3] }], quantized: false };
const int8: MatrixArtifact = { ...onnx, id: 'a2', quantized: true };
const tfl: MatrixArtifact = { id: 'a3', format: 'tflite', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3] }], quantized: false };
const req = (extra: object) => BenchmarkRequestSchema.parse({ modelId: '00000000-0000-4000-8000-000000000000', targets: { platform: 'linux' }, ...extra });

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  return 'none';
}

test('default frameworks: each device runs what it has on the artifacts it can read', () => {
  const cells = expandMatrix(req({}), [desktop, phone], [onnx, tfl], false);
  const key = cells.map((c) => `${c.deviceId}:${c.framework}:${c.artifactId}`).sort();
  assert.deepEqual(key, ['d1:onnxruntime:a1', 'd1:opencv-dnn:a1', 'd1:tflite:a3', 'd2:tflite:a3']);
});

test('native-int8 runs only quantized graphs; ONNX Runtime runs fp32 and int8 side by side', () => {
  const cells = expandMatrix(req({ frameworks: ['onnxruntime', 'native-int8'] }), [desktop], [onnx, int8], false);
  assert.deepEqual(cells.map((c) => `${c.framework}:${c.artifactId}`).sort(), ['native-int8:a2', 'onnxruntime:a1', 'onnxruntime:a2']);
  assert.equal(
    code(() => expandMatrix(req({ frameworks: ['native-int8'] }), [desktop], [onnx], false)),
    'FRAMEWORK_UNSUPPORTED',
  );
});

test('option sets multiply cells, and a framework an explicit device lacks is refused', () => {
  const cells = expandMatrix(req({ frameworks: ['tflite'], options: [{ threads: 1 }, { threads: 2 }] }), [desktop, phone], [tfl], false);
  assert.equal(cells.length, 4);
  assert.equal(
    code(() => expandMatrix(req({ frameworks: ['onnxruntime'] }), [phone], [onnx], true)),
    'FRAMEWORK_UNSUPPORTED',
  );
  assert.equal(
    code(() => expandMatrix(req({ frameworks: ['tflite'] }), [desktop], [onnx], false)),
    'FRAMEWORK_UNSUPPORTED',
  );
});

test('a dynamic dim without inputShapes is refused before any cell exists', () => {
  const dyn: MatrixArtifact = { ...onnx, inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3] }] };
  assert.equal(
    code(() => expandMatrix(req({}), [desktop], [dyn], false)),
    'DYNAMIC_SHAPE_UNRESOLVED',
  );
  assert.equal(expandMatrix(req({ frameworks: ['onnxruntime'], options: { inputShapes: { x: [2, 3] } } }), [desktop], [dyn], false).length, 1);
});

test('targets: unauthorized and offline devices are skipped; when nothing else is left the request is refused with DEVICE_UNAVAILABLE', () => {
  const online = { id: 'd1', name: 'desk', status: 'online' as const };
  const cooling = { id: 'd2', name: 'pixel', status: 'cooling' as const };
  const unauthorized = { id: 'd3', name: 'R58M', status: 'unauthorized' as const };
  const offline = { id: 'd4', name: 'old', status: 'offline' as const };
  const mixed = targetableDevices([online, cooling, unauthorized, offline]);
  assert.deepEqual(
    mixed.usable.map((d) => d.id),
    ['d1', 'd2'],
  );
  assert.deepEqual(
    mixed.skipped.map((d) => d.id),
    ['d3', 'd4'],
  );
  assert.equal(
    code(() => targetableDevices([unauthorized, offline])),
    'DEVICE_UNAVAILABLE',
  );
  try {
    targetableDevices([unauthorized]);
  } catch (e) {
    assert.match((e as Error).message, /unauthorized: accept this host's USB debugging key/);
  }
});
