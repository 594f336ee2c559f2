/**
 * A full disk under the artifact store and under the agent's outbox, on the built code in a child
 * Node process whose file-size limit (RLIMIT_FSIZE) is smaller than what it writes: the kernel
 * writes up to the limit and then refuses (a short write, then EFBIG), as a filling disk does
 * (ENOSPC). Nothing torn may stay behind, and the same write must succeed once the limit is raised.
 * The API's answer (507 STORAGE_FULL) and the held job are checked on real processes in
 * test/e2e/fault-injection.e2e-spec.ts.
 */
import { afterEach, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeUnderFileSizeLimit, setFileSizeLimit } from '../fixtures/file-size-limit.js';
import { ROOT, waitFor } from '../fixtures/stack.js';

const LIMIT = 64 * 1024;
const dist = (rel: string) => JSON.stringify(join(ROOT, rel));
const children: ReturnType<typeof nodeUnderFileSizeLimit>[] = [];
afterEach(() => children.splice(0).forEach((c) => c.child.kill('SIGKILL')));

describe('a full disk (RLIMIT_FSIZE in a child process)', () => {
  test('the artifact store refuses with STORAGE_FULL, leaves no file, and stores the bytes once there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-full-'));
    const roomAgain = join(mkdtempSync(join(tmpdir(), 'store-full-go-')), 'room-again');
    const run = nodeUnderFileSizeLimit(
      LIMIT,
      `import { ArtifactStore, sha256Hex } from ${dist('apps/api/dist/models/artifact-store.service.js')};
       import { randomBytes } from 'node:crypto';
       import { existsSync } from 'node:fs';
       const store = new ArtifactStore({ artifactDir: ${JSON.stringify(dir)} });
       const bytes = randomBytes(${4 * LIMIT});
       const sha = sha256Hex(bytes);
       console.log('SHA ' + sha);
       try { await store.put(sha, bytes); console.log('STORED UNDER THE LIMIT'); }
       catch (e) { console.log('REFUSED ' + JSON.stringify({ code: e.code, message: e.message })); }
       // No retry until the parent has looked at the store: a retry's own temp file, written and
       // removed while it is refused again, is not something the refusal left behind.
       while (!existsSync(${JSON.stringify(roomAgain)})) await new Promise((r) => setTimeout(r, 20));
       // "Space is back" is the parent raising the limit.
       for (;;) {
         try { const r = await store.put(sha, bytes); console.log('STORED ' + JSON.stringify(r)); break; }
         catch { await new Promise((r) => setTimeout(r, 50)); }
       }`,
    );
    children.push(run);
    const refused = await waitFor('the store to refuse the write', async () => /REFUSED (.*)/.exec(run.output())?.[1], 30_000, 50).catch((e: Error) => {
      throw new Error(`${e.message}: ${run.output()}`);
    });
    const sha = /SHA (\w+)/.exec(run.output())![1]!;
    const err = JSON.parse(refused) as { code: string; message: string };
    assert.equal(err.code, 'STORAGE_FULL');
    assert.match(err.message, /EFBIG.*free space under ARTIFACT_DIR/);
    assert.equal(readdirSync(join(dir, sha.slice(0, 2))).join(','), '', 'no torn temp file and no final file');
    setFileSizeLimit(run.child.pid!, 'unlimited');
    writeFileSync(roomAgain, '');
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /STORED \{"path":".*","created":true\}/);
    assert.equal(readdirSync(join(dir, sha.slice(0, 2))).join(','), sha);
  });

  test('the agent outbox writes no torn entry, holds the result, and writes and delivers it once there is room', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'outbox-full-'));
    const run = nodeUnderFileSizeLimit(
      LIMIT,
      `import { ResultOutbox } from ${dist('device-agents/agent/dist/outbox/result-outbox.js')};
       import { readdirSync } from 'node:fs';
       const delivered = [];
       const outbox = new ResultOutbox(${JSON.stringify(dataDir)}, { submitResult: async (b) => void delivered.push(b.jobId) });
       // A result bigger than the limit: the write stops part-way, as on a disk that fills during it.
       const big = { kind: 'result', body: { jobId: 'job-full', attempt: 1, padding: 'x'.repeat(${4 * LIMIT}) } };
       try { outbox.put(big); console.log('PUT UNDER THE LIMIT'); } catch (e) { console.log('PUT REFUSED ' + e.code); }
       console.log('FILES ' + JSON.stringify(readdirSync(${JSON.stringify(join(dataDir, 'outbox'))})));
       await outbox.putWhenRoom(big, 50);
       while (delivered.length === 0) await new Promise((r) => setTimeout(r, 20));
       console.log('DELIVERED ' + JSON.stringify({ delivered, pending: outbox.pending() }));
       await outbox.stop();`,
    );
    children.push(run);
    await waitFor(
      'the outbox to hold the result',
      async () => /outbox full \(EFBIG\): holding the result of job job-full/.test(run.output()),
      30_000,
      50,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${run.output()}`);
    });
    assert.match(run.output(), /PUT REFUSED EFBIG/, 'a short write is not taken for a whole entry');
    assert.match(run.output(), /FILES \[\]/, 'no torn entry and no temp file');
    assert.doesNotMatch(run.output(), /DELIVERED/, 'nothing is delivered while it cannot be written');
    setFileSizeLimit(run.child.pid!, 'unlimited');
    assert.equal(await run.exited, 0, run.output());
    assert.match(run.output(), /outbox has room again: the result of job job-full is written/);
    assert.match(run.output(), /DELIVERED \{"delivered":\["job-full"\],"pending":0\}/);
  });
});
