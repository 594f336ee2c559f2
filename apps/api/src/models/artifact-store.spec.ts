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

describe('ArtifactStore', () => {
  it('repairs a torn file when the same bytes are stored again (a crash mid-write left it under its final name)', async () => {
    const { mkdtempSync, readFileSync, writeFileSync, mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ArtifactStore } = await import('./artifact-store.service.js');
    const dir = mkdtempSync(join(tmpdir(), 'artifact-store-spec-'));
    const store = new ArtifactStore({ artifactDir: dir } as never);
    const bytes = randomBytes(100_000);
    const sha = sha256Hex(bytes);
    mkdirSync(join(dir, sha.slice(0, 2)), { recursive: true });
    writeFileSync(store.pathFor(sha), bytes.subarray(0, 4096));
    const put = await store.put(sha, bytes);
    assert.deepEqual(readFileSync(store.pathFor(sha)), bytes, 'the torn file was replaced by the whole artifact');
    assert.equal(put.created, true);
    assert.equal(await store.intact(sha), true);
    assert.equal((await store.put(sha, bytes)).created, false, 'an intact file is kept as it is');
  });
});
