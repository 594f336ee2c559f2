import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { calibrationInputBytes, SYNTHETIC_CALIBRATION_SAMPLES } from './calibration-size.js';

test('calibration bytes: float32 values of every input times the synthetic samples; dynamic dims count as 1', () => {
  assert.equal(calibrationInputBytes([{ shape: [1, 3, 128, 128] }]), 1 * 3 * 128 * 128 * 4 * SYNTHETIC_CALIBRATION_SAMPLES);
  assert.equal(calibrationInputBytes([{ shape: ['N', 3] }, { shape: [null, 2] }], 1), (3 + 2) * 4);
  assert.ok(calibrationInputBytes([{ shape: [1, 3, 100000, 100000] }]) === 3e10 * 4 * 4, 'a hostile declared shape is measured, not allocated');
});
