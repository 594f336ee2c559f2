import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sha256Hex, sha256HexYielding } from './artifact-store.service.js';

describe('sha256HexYielding', () => {
  it('gives the same digest as one call, across slice boundaries and for empty input', async () => {
    for (const n of [0, 1, 4 * 1024 * 1024, 4 * 1024 * 1024 + 1, 9 * 1024 * 1024 + 17]) {
      const bytes = randomBytes(n);
      assert.equal(await sha256HexYielding(bytes), sha256Hex(bytes), `${n} bytes`);
    }
  });
});
