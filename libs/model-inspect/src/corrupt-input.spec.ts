import { describe, it, beforeAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { DomainError } from '@farm/contracts';
import { detectModelFormat, inspectModel, inspectUpload } from './index.js';
import { pseudoRandomBytes, sampleModels, type SampleModels } from '../../../test/fixtures/model-fixtures.js';

let models: SampleModels;
beforeAll(async () => {
  models = await sampleModels();
});

function expectDomainError(fn: () => unknown, codes: readonly string[], label: string): DomainError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError, `${label}: expected a DomainError, got ${String(e)}`);
    assert.ok(codes.includes(e.code), `${label}: code ${e.code} not in ${codes.join('/')} (${e.message})`);
    return e;
  }
  assert.fail(`${label}: expected a DomainError`);
}

/** A cut that lands on a boundary may leave a smaller valid model; that is fine as long as nothing crashes. */
function expectBrokenOrValid(fn: () => unknown, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError, `${label}: expected a DomainError, got ${String(e)}`);
    assert.ok(['MODEL_TRUNCATED', 'MODEL_INVALID'].includes(e.code), `${label}: unexpected ${e.code} (${e.message})`);
  }
}

const text = new TextEncoder().encode('name,latency_ms\nblazeface,3.2\nThis is not a model, it is a CSV export.\n');
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 0x21, 0x00]);

describe('truncated models', () => {
  for (const key of ['onnx', 'onnx256', 'tflite', 'tfliteFullRange'] as const) {
    it(`${key}: cuts at 10%, 50%, 90% and length-1 are MODEL_TRUNCATED`, () => {
      const bytes = models[key];
      for (const fraction of [0.1, 0.5, 0.9]) {
        const cut = bytes.subarray(0, Math.floor(bytes.length * fraction));
        expectDomainError(() => inspectModel(cut), ['MODEL_TRUNCATED'], `${key} cut at ${fraction}`);
      }
      expectDomainError(() => inspectModel(bytes.subarray(0, bytes.length - 1)), ['MODEL_TRUNCATED'], `${key} minus one byte`);
    });

    it(`${key}: every 997th cut point fails cleanly`, () => {
      const bytes = models[key];
      // Below a few bytes nothing identifies the format yet, so "unknown format" is the honest answer there.
      for (let n = 1; n < 8; n++) {
        expectDomainError(() => inspectModel(bytes.subarray(0, n)), ['MODEL_FORMAT_UNKNOWN', 'MODEL_TRUNCATED'], `${key} cut at ${n}`);
      }
      for (let n = 16; n < bytes.length; n += 997) {
        expectBrokenOrValid(() => inspectModel(bytes.subarray(0, n)), `${key} cut at ${n}`);
      }
    });
  }

  it('detectModelFormat reports a cut-short ONNX file as truncated, not as a foreign format', () => {
    const cut = models.onnx.subarray(0, models.onnx.length >> 1);
    const err = expectDomainError(() => detectModelFormat(cut), ['MODEL_TRUNCATED'], 'onnx half');
    assert.match(err.message, /cut short/);
  });

  it('a TFLite file cut short still detects as tflite (identifier present), and inspection says truncated', () => {
    const cut = models.tflite.subarray(0, 4096);
    assert.equal(detectModelFormat(cut), 'tflite');
    const err = expectDomainError(() => inspectModel(cut), ['MODEL_TRUNCATED'], 'tflite 4 KiB');
    assert.match(err.message, /TFLite/);
  });
});

describe('corrupted models', () => {
  it('flipped bytes inside a model fail as DomainErrors, never as TypeError/RangeError', () => {
    for (const key of ['onnx', 'tflite'] as const) {
      const original = models[key];
      for (let seed = 1; seed <= 40; seed++) {
        const bytes = Uint8Array.from(original);
        const noise = pseudoRandomBytes(64, seed);
        for (let i = 0; i < 16; i++) {
          const at = (((noise[i * 2]! << 8) | noise[i * 2 + 1]!) * 7919) % bytes.length;
          bytes[at] = noise[32 + i]!;
        }
        try {
          inspectModel(bytes);
        } catch (e) {
          assert.ok(e instanceof DomainError, `${key} seed ${seed}: ${String(e)}`);
        }
      }
    }
  });

  it('a TFLite root offset past the end is truncated', () => {
    const bytes = Uint8Array.from(models.tflite.subarray(0, 64));
    new DataView(bytes.buffer).setUint32(0, 1_000_000, true);
    expectDomainError(() => inspectModel(bytes), ['MODEL_TRUNCATED'], 'root past end');
  });
});

describe('files that are not models', () => {
  const cases: [string, Uint8Array][] = [
    ['an empty file', new Uint8Array(0)],
    ['a text file', text],
    ['a PNG header', png],
    // A zip header is no longer foreign: it may be a zipped .mlpackage, which inspectUpload opens and refuses as MODEL_INVALID (coreml-model.spec.ts).
    ['a single byte', new Uint8Array([0x08])],
    ['ir_version alone', new Uint8Array([0x08, 0x07])],
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed): [string, Uint8Array] => [`random bytes (seed ${seed})`, pseudoRandomBytes(4096, seed)]),
  ];
  for (const [label, bytes] of cases) {
    it(`${label} is MODEL_FORMAT_UNKNOWN, with a message naming the accepted formats`, () => {
      for (const fn of [detectModelFormat, inspectModel]) {
        const err = expectDomainError(() => fn(bytes), ['MODEL_FORMAT_UNKNOWN'], label);
        assert.match(err.message, /ONNX/);
        assert.match(err.message, /TFLite|TensorFlow Lite/);
      }
    });
  }

  it('a bare zip header is taken for an .mlpackage and refused as MODEL_INVALID when opened', async () => {
    assert.equal(detectModelFormat(zip), 'coreml');
    await assert.rejects(inspectUpload(zip), (e: unknown) => e instanceof DomainError && e.code === 'MODEL_INVALID');
  });

  it('the format comes from content, not from a file name: a TFLite model renamed .onnx is still tflite', () => {
    assert.equal(detectModelFormat(models.tflite), 'tflite');
    assert.equal(detectModelFormat(models.onnx), 'onnx');
  });

  it('many random buffers never escape as anything but MODEL_FORMAT_UNKNOWN', () => {
    for (let seed = 100; seed < 400; seed++) {
      const bytes = pseudoRandomBytes(64 + (seed % 7) * 100, seed);
      expectDomainError(() => inspectModel(bytes), ['MODEL_FORMAT_UNKNOWN'], `seed ${seed}`);
    }
  });
});
