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

function resultEntry(jobId: string): OutboxEntry {
  return { kind: 'result', body: { jobId, attempt: 1 } } as unknown as OutboxEntry;
}

function outboxDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-spec-'));
  dirs.push(dir);
  return dir;
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a result the API keeps failing on (5xx) does not hold up later ones, and is reported as the job failure once set aside', async () => {
  const { ApiError } = await import('../api/api-client.js');
  const delivered: string[] = [];
  const failures: { jobId: string; code: string; final: boolean; permanent: boolean; message: string }[] = [];
  let poisonTries = 0;
  const api = {
    submitResult: async (body: { jobId: string }) => {
      if (body.jobId === 'poison') {
        poisonTries++;
        throw new ApiError(500, 'INTERNAL', 'PUT /agent/jobs/poison/result: 500 INTERNAL: internal error; see the API log');
      }
      delivered.push(body.jobId);
    },
    jobFailed: async (body: (typeof failures)[number]) => void failures.push(body),
  } as unknown as ApiClient;
  const outbox = new ResultOutbox(outboxDir(), api, { maxBackoffMs: 5, poisonAfter: 3 });
  outbox.put(resultEntry('poison'));
  outbox.put(resultEntry('later-1'));
  // Written after the poison entry failed at least once: later results keep flowing.
  await until('the poison entry to be tried', () => poisonTries > 0);
  outbox.put(resultEntry('later-2'));
  await until('everything to be settled', () => outbox.pending() === 0 && failures.length === 1);
  assert.deepEqual(delivered.sort(), ['later-1', 'later-2']);
  assert.equal(failures[0]!.jobId, 'poison');
  assert.equal(failures[0]!.code, 'RESULT_UNDELIVERABLE');
  assert.equal(failures[0]!.final, true);
  assert.match(failures[0]!.message, /500 INTERNAL/);
  await outbox.stop();
});

test('a result the API refuses (4xx, e.g. over the body limit) is set aside and its job reported failed with the reason', async () => {
  const { ApiError } = await import('../api/api-client.js');
  const failures: { jobId: string; code: string; final: boolean; message: string }[] = [];
  const api = {
    submitResult: async () => {
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', 'PUT /agent/jobs/big/result: 413 PAYLOAD_TOO_LARGE: request entity too large');
    },
    jobFailed: async (body: (typeof failures)[number]) => void failures.push(body),
  } as unknown as ApiClient;
  const dir = outboxDir();
  const outbox = new ResultOutbox(dir, api, { maxBackoffMs: 5 });
  outbox.put(resultEntry('big'));
  await until('the failure report', () => failures.length === 1 && outbox.pending() === 0);
  assert.equal(failures[0]!.jobId, 'big');
  assert.equal(failures[0]!.code, 'RESULT_REJECTED');
  assert.equal(failures[0]!.final, true);
  assert.match(failures[0]!.message, /413 PAYLOAD_TOO_LARGE/);
  const { readdirSync } = await import('node:fs');
  assert.equal(readdirSync(join(dir, 'outbox-rejected')).filter((f) => f.endsWith('-result.json')).length, 1, 'the refused result is kept for inspection');
  await outbox.stop();
});

test('while the API is unreachable the outbox keeps its order and sets nothing aside', async () => {
  const { ApiError } = await import('../api/api-client.js');
  let up = false;
  const delivered: string[] = [];
  const api = {
    submitResult: async (body: { jobId: string }) => {
      if (!up) throw new ApiError(null, 'API_UNREACHABLE', 'API unreachable');
      delivered.push(body.jobId);
    },
    jobFailed: async () => assert.fail('nothing is reported failed while the API is down'),
  } as unknown as ApiClient;
  const outbox = new ResultOutbox(outboxDir(), api, { maxBackoffMs: 5, poisonAfter: 2 });
  outbox.put(resultEntry('a'));
  outbox.put(resultEntry('b'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(outbox.pending(), 2);
  up = true;
  outbox.kick();
  await until('delivery', () => outbox.pending() === 0);
  assert.deepEqual(delivered, ['a', 'b']);
  await outbox.stop();
});

test('putWhenRoom throws other write errors at once (a missing directory is not a full disk)', async () => {
  const dir = outboxDir();
  const outbox = new ResultOutbox(dir, {} as ApiClient);
  rmSync(join(dir, 'outbox'), { recursive: true });
  await assert.rejects(outbox.putWhenRoom(entry('job-x'), 20), /ENOENT/);
  await outbox.stop();
});
