import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, it } from '@jest/globals';
import { ArtifactCache } from './artifact-cache.js';
import type { ApiClient } from '../api/api-client.js';

describe('ArtifactCache.checkout', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'farm-cache-spec-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('gives each job a directory holding only its model, and removes it on release', () => {
    const cache = new ArtifactCache(dataDir, {} as ApiClient);
    const cached = join(dataDir, 'artifacts', `${'a'.repeat(64)}.onnx`);
    writeFileSync(cached, 'model bytes');
    writeFileSync(join(dataDir, 'artifacts', `${'b'.repeat(64)}.onnx`), 'another model');
    const a = cache.checkout(cached, 'job-1 model');
    const b = cache.checkout(cached, 'job-2 model');
    assert.notEqual(dirname(a.path), dirname(b.path));
    assert.equal(readdirSync(dirname(a.path)).join(','), `${'a'.repeat(64)}.onnx`);
    assert.equal(readFileSync(a.path, 'utf8'), 'model bytes');
    // A hard link: no copy of the bytes on the same filesystem.
    assert.equal(statSync(a.path).ino, statSync(cached).ino);
    a.release();
    assert.equal(existsSync(dirname(a.path)), false);
    assert.equal(existsSync(cached), true);
    assert.equal(existsSync(b.path), true);
    b.release();
  });
});
