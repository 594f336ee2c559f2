import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from '@jest/globals';
import type { ApiClient } from '../api/api-client.js';
import { ResultOutbox, type OutboxEntry } from './result-outbox.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function entry(jobId: string): OutboxEntry {
  return { kind: 'failure', body: { jobId, attempt: 1, permanent: false, code: 'RUNNER_FAILED', message: 'x', final: false } };
}

test('an entry written while a delivery pass is under way is delivered too (two devices finishing together)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-spec-'));
  dirs.push(dir);
  const delivered: string[] = [];
  const holder: { outbox?: ResultOutbox } = {};
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((r) => (releaseFirst = r));
  // The API side is a recorder: the first delivery is held until the second entry has been written.
  const api = {
    jobFailed: async (body: { jobId: string }) => {
      if (body.jobId === 'job-a') {
        holder.outbox!.put(entry('job-b'));
        await firstHeld;
      }
      delivered.push(body.jobId);
    },
  } as unknown as ApiClient;
  const outbox = new ResultOutbox(dir, api);
  holder.outbox = outbox;
  outbox.put(entry('job-a'));
  const pass = outbox.drain();
  setTimeout(releaseFirst, 50);
  await pass;
  assert.deepEqual(delivered, ['job-a', 'job-b']);
  assert.equal(outbox.pending(), 0);
  await outbox.stop();
});
