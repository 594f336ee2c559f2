import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { DomainError } from '@farm/contracts';
import { buildInputs, mulberry32, resolveInputShapes, synthesizeInputs } from './input-synthesis.js';

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

  describe('options.inputs', () => {
    const sr = { name: 'sr', dtype: 'int64' as const, shape: [] };
    const x = { name: 'x', dtype: 'float32' as const, shape: [2, 3] };

    it('feeds a constant scalar, a constant tensor, and leaves the other inputs synthetic with their own stream', () => {
      const plain = buildInputs([x, sr], { seed: 5 });
      const [fx, fsr] = buildInputs([x, sr], { seed: 5, inputs: { sr: { kind: 'constant', value: 16000 } } });
      assert.deepEqual([...(fsr!.data as BigInt64Array)], [16000n]);
      assert.deepEqual(fx!.data, plain[0]!.data, 'giving sr does not change the bytes of x');
      const [tx] = buildInputs([x], { seed: 5, inputs: { x: { kind: 'constant', value: [1, 2, 3, 4, 5, 6] } } });
      assert.deepEqual([...(tx!.data as Float32Array)], [1, 2, 3, 4, 5, 6]);
    });

    it('draws ranges and distributions from the seed', () => {
      const big = { name: 'v', dtype: 'float32' as const, shape: [4096] };
      const u = buildInputs([big], { seed: 1, inputs: { v: { kind: 'uniform', min: 10, max: 20 } } })[0]!.data as Float32Array;
      assert.ok(u.every((v) => v >= 10 && v < 20));
      const n = buildInputs([big], { seed: 1, inputs: { v: { kind: 'normal', mean: 3, std: 0.5 } } })[0]!.data as Float32Array;
      const mean = n.reduce((a, b) => a + b, 0) / n.length;
      assert.ok(Math.abs(mean - 3) < 0.05, `mean ${mean}`);
      const ids = { name: 'ids', dtype: 'int32' as const, shape: [1000] };
      const i = buildInputs([ids], { seed: 1, inputs: { ids: { kind: 'integers', min: 100, max: 102 } } })[0]!.data as Int32Array;
      assert.deepEqual([...new Set(i)].sort(), [100, 101, 102]);
    });

    it('refuses specs that do not fit the declared input, naming it', () => {
      const refused = (inputs: Record<string, unknown>, pattern: RegExp) =>
        assert.throws(
          () => buildInputs([x, sr], { seed: 1, inputs: inputs as never }),
          (e: unknown) => e instanceof DomainError && e.code === 'INPUT_SPEC_MISMATCH' && pattern.test(e.message),
        );
      refused({ rate: { kind: 'constant', value: 1 } }, /options\.inputs\["rate"\]: not an input/);
      refused({ x: { kind: 'constant', value: [1, 2] } }, /2 values given; the input is float32 \[2, 3\], 6 elements/);
      refused({ sr: { kind: 'constant', value: 0.5 } }, /0\.5 does not fit int64/);
      refused({ sr: { kind: 'uniform', min: 0, max: 1 } }, /"uniform" draws floats; the input is int64/);
    });
  });
});
