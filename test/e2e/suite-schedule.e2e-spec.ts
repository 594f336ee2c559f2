/**
 * Suite schedules on real processes (API, worker, Postgres, Redis): a cron a few seconds apart
 * starts nights on its slots, in the suite's time zone; the worker is restarted (and a second one
 * started beside it) and still no slot starts twice. "Run now" and `farm regressions` through the
 * CLI. The device is registered over HTTP and never runs anything: this test is about when nights
 * start, not what they measure.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { convChainOnnx } from '../fixtures/onnx-fixtures.js';
import {
  api,
  createTestDatabase,
  registerDevice,
  requireEnv,
  ROOT,
  sql,
  startApi,
  startWorker,
  uploadBytes,
  waitFor,
  type ApiHandle,
  type WorkerHandle,
} from '../fixtures/stack.js';

function cli(h: ApiHandle, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), ...args, '--api', h.url], { env: { ...process.env, FARM_API_KEY: h.apiKey } });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('suite schedules: cron slots, worker restarts, run now', () => {
  let h: ApiHandle;
  const workers: WorkerHandle[] = [];
  let suiteId: string;
  const redisUrl = requireEnv('TEST_REDIS_URL');
  const QUIET = { HEARTBEAT_INTERVAL_MS: '600000' };
  const TZ = 'Asia/Kolkata'; // a half-hour offset: a key written in UTC or the host's zone would show it

  const scheduledNights = () =>
    sql<{ night_key: string; runs: number }>(
      h.databaseUrl,
      `SELECT n.night_key, (SELECT count(*)::int FROM benchmark_runs r WHERE r.night_id = n.id) AS runs
         FROM suite_nights n WHERE n.trigger = 'schedule' ORDER BY n.created_at`,
    );

  beforeAll(async () => {
    // A long heartbeat interval keeps the HTTP-registered device online for the whole test, for the
    // API and for the workers (which start scheduled nights, and read a device's state the same way).
    h = await startApi({ databaseUrl: await createTestDatabase('suite_schedule'), redisUrl, env: QUIET });
    workers.push(await startWorker(h, { redisUrl, env: QUIET }));
    await registerDevice(h, 'sched-1');
    assert.equal((await uploadBytes(h.url, convChainOnnx(0), 'chain.onnx', { slug: 'sched-chain' })).status, 201);
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await h?.kill();
  });

  test('nights start on the cron slots, none doubled across a worker restart and a second worker', async () => {
    const created = await api(h.url, 'POST', '/suites', {
      name: 'every three seconds',
      spec: { models: [{ slug: 'sched-chain' }], targets: { platform: 'linux' }, frameworks: ['onnxruntime'], options: { timedRuns: 5 } },
      schedule: { cron: '*/3 * * * * *', timezone: TZ },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    suiteId = created.body.id;
    await waitFor('two scheduled nights', async () => (await scheduledNights()).length >= 2, 60_000, 300);

    await workers[0]!.kill('SIGTERM');
    const duringRestart = (await scheduledNights()).length;
    await new Promise((r) => setTimeout(r, 4000));
    workers.push(await startWorker(h, { redisUrl, env: QUIET }), await startWorker(h, { redisUrl, env: QUIET }));
    await waitFor('two more nights after the restart', async () => (await scheduledNights()).length >= duringRestart + 2, 60_000, 300);
    for (const w of workers.splice(1)) await w.kill('SIGTERM');

    const nights = await scheduledNights();
    const keys = nights.map((n) => n.night_key);
    assert.equal(new Set(keys).size, keys.length, `a slot started twice: ${keys.join(', ')}`);
    for (const k of keys) {
      const m = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:(\d{2}) Asia\/Kolkata$/.exec(k);
      assert.ok(m, `night key ${k} names the slot in the suite's zone`);
      assert.equal(Number(m[1]) % 3, 0, `night key ${k} is a slot of */3`);
    }
    // One run per night: a slot seen twice (by the restarted worker, or by both workers) started nothing the second time.
    assert.deepEqual(
      nights.map((n) => n.runs),
      nights.map(() => 1),
    );
    // The slot keys are the cron's, in the suite's zone: consecutive nights are whole multiples of 3 s apart.
    const seconds = keys.map((k) => Date.parse(`${k.slice(0, 19)}+05:30`) / 1000);
    for (let i = 1; i < seconds.length; i++) assert.equal(Math.abs(seconds[i]! - seconds[i - 1]!) % 3, 0);
  });

  test('run now from the CLI starts a manual night; farm regressions answers', async () => {
    const before = (await api(h.url, 'GET', `/suites/${suiteId}/nights`)).body.filter((n: any) => n.trigger === 'manual').length;
    const run = await cli(h, ['suites', 'run', 'every three seconds']);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /^night [0-9a-f-]{36} \(manual\.[^)]+\) started: 1 run\(s\)/);
    const after = (await api(h.url, 'GET', `/suites/${suiteId}/nights`)).body.filter((n: any) => n.trigger === 'manual').length;
    assert.equal(after, before + 1);
    const regs = await cli(h, ['regressions']);
    assert.equal(regs.code, 0, regs.out);
    assert.match(regs.out, /^no open regressions$/m);
    const missing = await cli(h, ['suites', 'run', 'no such suite']);
    assert.equal(missing.code, 1);
    assert.match(missing.out, /^error SUITE_NOT_FOUND: /);
  });
});
