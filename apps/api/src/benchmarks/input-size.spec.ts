import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { BenchmarkOptionsSchema, DomainError } from '@farm/contracts';
import { checkInputSizes } from './input-size.js';

const defaults = BenchmarkOptionsSchema.parse({});
const GiB = 2 ** 30;
const artifact = (shape: (number | string)[], dtype: 'float32' | 'uint8' = 'float32') => ({ id: 'a1', format: 'onnx', inputs: [{ name: 'x', dtype, shape }] });
const device = (ramBytes: number | null) => ({ id: 'd1', name: 'phone', ramBytes });

function refusal(fn: () => void): DomainError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError);
    return e;
  }
  assert.fail('expected INPUT_TOO_LARGE');
}

describe('checkInputSizes', () => {
  it('refuses a declared 1x3x100000x100000 float input with the numbers', () => {
    const e = refusal(() => checkInputSizes([artifact([1, 3, 100000, 100000])], [defaults], [device(8 * GiB)], GiB));
    assert.equal(e.code, 'INPUT_TOO_LARGE');
    assert.match(e.message, /take 120000000000 bytes \(111\.8 GiB\) per inference; the limit is 1073741824 bytes \(1\.0 GiB, BENCHMARK_MAX_INPUT_MB\)/);
    assert.deepEqual(e.details, { artifactId: 'a1', inputBytes: 120000000000, limitBytes: GiB, limit: 'BENCHMARK_MAX_INPUT_MB' });
  });

  it('counts inputShapes overrides and dtype widths', () => {
    const dynamic = artifact(['batch', 3, 224, 224], 'uint8');
    checkInputSizes([dynamic], [{ ...defaults, inputShapes: { x: [1, 3, 224, 224] } }], [device(null)], 1_000_000);
    const e = refusal(() => checkInputSizes([dynamic], [{ ...defaults, inputShapes: { x: [10, 3, 224, 224] } }], [device(null)], 1_000_000));
    assert.equal((e.details as { inputBytes: number }).inputBytes, 10 * 3 * 224 * 224);
  });

  it('caps inputs at half of the smallest target device RAM', () => {
    const e = refusal(() => checkInputSizes([artifact([1, 3, 8192, 8192])], [defaults], [device(GiB), { id: 'd2', name: 'big', ramBytes: 64 * GiB }], 4 * GiB));
    assert.equal((e.details as { limit: string; deviceId: string }).limit, 'device RAM');
    assert.match(e.message, /device "phone" \(d1\) has 1\.0 GiB of RAM/);
    checkInputSizes([artifact([1, 3, 4096, 4096])], [defaults], [device(GiB)], 4 * GiB);
  });
});
