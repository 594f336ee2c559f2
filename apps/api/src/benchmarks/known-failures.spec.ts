import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { DomainError, type Framework } from '@farm/contracts';
import { withoutKnownFailures } from './known-failures.js';

/** An fp32 ONNX artifact whose graph uses an op from a foreign domain, as the inspector records it. */
const custom = {
  id: '11111111-1111-4111-8111-111111111111',
  fileName: 'custom.onnx',
  format: 'onnx' as const,
  opHistogram: { Conv: 1, FarmOp: 1 },
  metadata: { customOps: [{ op: 'FarmOp', domain: 'com.example', count: 1 }], opset: 13 },
  inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 8, 8] }],
};
/** The same model without it: ONNX Runtime runs it. */
const plain = {
  ...custom,
  id: '22222222-2222-4222-8222-222222222222',
  fileName: 'plain.onnx',
  opHistogram: { Conv: 1 },
  metadata: { customOps: [], opset: 13 },
};
const cell = (framework: Framework, artifactId = custom.id) => ({ artifactId, framework, deviceId: 'd1' });

test('a framework the request did not name is left out and listed with the reason, once per artifact and framework', () => {
  const cells = [cell('onnxruntime'), cell('onnxruntime'), cell('opencv-dnn'), cell('onnxruntime', plain.id)];
  const { kept, skipped } = withoutKnownFailures(cells, [custom, plain] as never, undefined);
  assert.deepEqual(kept, [cell('onnxruntime', plain.id)]);
  const ort = skipped.find((s) => s.framework === 'onnxruntime');
  assert.ok(ort, JSON.stringify(skipped));
  assert.match(ort.why, /com\.example::FarmOp/);
  assert.equal(skipped.filter((s) => s.framework === 'onnxruntime').length, 1);
  assert.ok(skipped.every((s) => s.artifactId === custom.id));
});

test('a framework the request named is refused with the op and the engine', () => {
  assert.throws(
    () => withoutKnownFailures([cell('onnxruntime')], [custom] as never, ['onnxruntime']),
    (e: unknown) => e instanceof DomainError && e.code === 'FRAMEWORK_CANNOT_RUN' && /FarmOp/.test(e.message) && /onnxruntime/.test(e.message),
  );
});
