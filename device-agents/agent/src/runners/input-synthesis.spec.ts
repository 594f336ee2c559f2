import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { DomainError } from '@farm/contracts';
import { mulberry32, resolveInputShapes, synthesizeInputs } from './input-synthesis.js';

describe('input synthesis', () => {
  const image = { name: 'image', dtype: 'float32' as const, shape: [1, 3, 8, 8] };

  it('gives the same bytes for the same seed and different bytes for another', () => {
    const a = synthesizeInputs([image], 42)[0]!.data as Float32Array;
    const b = synthesizeInputs([image], 42)[0]!.data as Float32Array;
    const c = synthesizeInputs([image], 43)[0]!.data as Float32Array;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.equal(a.length, 192);
    assert.ok(a.every((v) => v >= -1 && v < 1));
  });

  it('keeps the known mulberry32 sequence (other runners reproduce it)', () => {
    const next = mulberry32(1);
    assert.equal(Math.round(next() * 1e9), 627073941);
  });

  it('fills ints in a small range and int64 as BigInt64Array', () => {
    const [ids, mask] = synthesizeInputs(
      [
        { name: 'ids', dtype: 'int64', shape: [1, 16] },
        { name: 'mask', dtype: 'bool', shape: [16] },
      ],
      1,
    );
    assert.ok(ids!.data instanceof BigInt64Array);
    assert.ok([...(ids!.data as BigInt64Array)].every((v) => v >= 0n && v < 10n));
    assert.ok([...(mask!.data as Uint8Array)].every((v) => v === 0 || v === 1));
  });

  it('refuses a dynamic dim without options.inputShapes, naming the input and the dim', () => {
    for (const dim of ['batch', null, -1, 0] as const) {
      const spec = { name: 'tokens', dtype: 'int32' as const, shape: [dim, 128] };
      assert.throws(
        () => resolveInputShapes([spec]),
        (e: unknown) =>
          e instanceof DomainError && e.code === 'DYNAMIC_SHAPE_UNRESOLVED' && e.message.includes('"tokens"') && e.message.includes('options.inputShapes'),
      );
    }
  });

  it('resolves dynamic dims from options.inputShapes and checks rank and fixed dims', () => {
    const spec = { name: 'tokens', dtype: 'int32' as const, shape: ['batch', 128] };
    assert.deepEqual(resolveInputShapes([spec], { tokens: [4, 128] })[0]!.shape, [4, 128]);
    const failsWith = (shapes: Record<string, number[]>, code: string) =>
      assert.throws(
        () => resolveInputShapes([spec], shapes),
        (e: unknown) => e instanceof DomainError && e.code === code,
      );
    failsWith({ tokens: [4] }, 'VALIDATION_FAILED'); // rank
    failsWith({ tokens: [4, 64] }, 'VALIDATION_FAILED'); // disagrees with the fixed 128
    failsWith({ other: [1, 128] }, 'VALIDATION_FAILED'); // not an input
  });
});
