/**
 * Phones end to end, on real processes: the API, the agent (with the adb transport), Postgres and
 * Redis, a real adb server, and emulated arm64 Android phones (test and demo infrastructure: a
 * device-side adb daemon in TypeScript, the static arm64 int8-runner under qemu). Covered: phones
 * registered live as they are plugged in, one run over the desktop and two phones with per-layer
 * results and the phones' state before and after, a second run that pushes nothing, an
 * unauthorized phone, the cooldown gate holding a hot phone, and a phone unplugged mid-job whose
 * job is retried, stored once. No timing here is phone performance, and nothing asserts a speed.
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatedAndroidDevice } from '@farm/emulated-android';
import { startAdbServer, type AdbServer } from '../fixtures/adb-server.js';
import { arm64RunnerMissingReason, emulatedAndroidSkipReason } from '../fixtures/emulated-android.js';
import { plugPhone, replugPhone, unplugMidJob } from '../fixtures/phone-plug.js';
import { describeUnless, testUnless } from '../fixtures/skip.js';
import {
  api,
  createTestDatabase,
  requireEnv,
  SAMPLE,
  sql,
  startAgent,
  startApi,
  startWorker,
  upload,
  waitFor,
  waitForRun,
  type AgentHandle,
  type ApiHandle,
  type WorkerHandle,
} from '../fixtures/stack.js';

// Overridable so the suite can run beside another copy of itself on a shared machine.
const ADB_PORT = Number(process.env.ANDROID_E2E_ADB_PORT ?? 5145);
const BASE_PORT = Number(process.env.ANDROID_E2E_PHONE_PORT ?? 15740);
const skip = (await emulatedAndroidSkipReason()) || arm64RunnerMissingReason();
const QUICK = { warmupRuns: 1, timedRuns: 5, profileRuns: 2 };
/** The shell would run these if any reached it unquoted. */
const HOSTILE_NAME = `blazeface $(touch /data/local/tmp/pwned-a); touch /data/local/tmp/pwned-b; '\`touch /data/local/tmp/pwned-c\`'`;

interface DeviceRow {
  id: string;
  serial: string;
  status: string;
  transport: string;
  platform: string;
  emulated: boolean;
  soc: string | null;
  lastTemperatureC: number | null;
  frameworks: { framework: string }[];
}

describeUnless(skip)('Android phones end to end: adb server, emulated arm64 phones, API, agent, Postgres, Redis (emulation, not phone performance)', () => {
  let h: ApiHandle;
  let agent: AgentHandle;
  let worker: WorkerHandle;
  let server: AdbServer;
  const phones: EmulatedAndroidDevice[] = [];
  let modelId: string;
  let desktopId: string;
  const redisUrl = requireEnv('TEST_REDIS_URL');

  let lastDevices: unknown;
  const devices = async () => (lastDevices = (await api<{ items: DeviceRow[] }>(h.url, 'GET', '/devices?limit=1000')).body.items) as DeviceRow[];
  const deviceBySerial = async (serial: string) => (await devices()).find((d) => d.serial === serial);
  const phoneId = async (p: EmulatedAndroidDevice) => (await deviceBySerial(p.serial))!.id;

  beforeAll(async () => {
    server = await startAdbServer(ADB_PORT);
    for (let i = 0; i < 2; i++) phones.push(await plugPhone(server, BASE_PORT + i));
    const db = await createTestDatabase('android_e2e');
    h = await startApi({ databaseUrl: db, redisUrl, env: { JOB_ATTEMPTS: '4' } });
    // The worker makes the int8 variants the phones run.
    worker = await startWorker(h, { redisUrl });
    agent = await startAgent(h, {
      redisUrl,
      env: {
        ANDROID: 'on',
        ADB_SERVER_PORT: String(ADB_PORT),
        COOLDOWN_MAX_C: '60',
        COOLDOWN_POLL_MS: '300',
        COOLDOWN_TIMEOUT_MS: '120000',
      },
    });
    await waitFor('both phones online', async () => (await devices()).filter((d) => d.transport === 'adb' && d.status === 'online').length === 2, 60_000).catch(
      (e: Error) => {
        throw new Error(`${e.message}; devices: ${JSON.stringify(lastDevices)}; agent log: ${agent.log().slice(-4000)}`);
      },
    );
    desktopId = (await devices()).find((d) => d.transport === 'local')!.id;
    const up = await upload(h.url, SAMPLE.onnx, { name: HOSTILE_NAME });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    modelId = up.body.model.id;
  });

  afterAll(async () => {
    await agent?.kill();
    await worker?.kill();
    await h?.kill();
    await server?.stop();
    await Promise.all(phones.map((p) => p.stop()));
  });

  testUnless(false)('the phones are registered with their description, the emulated flag and the arm64 int8 runtime', async () => {
    for (const p of phones) {
      const d = (await deviceBySerial(p.serial))!;
      assert.equal(d.platform, 'android');
      assert.equal(d.emulated, true);
      assert.equal(d.soc, 'emulated-arm64');
      assert.deepEqual(
        d.frameworks.map((f) => f.framework),
        ['native-int8'],
      );
    }
  });

  testUnless(false)('one run over the desktop and two phones: per-layer results from the arm64 int8-runner, the phones’ state before and after', async () => {
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: [desktopId, ...(await Promise.all(phones.map(phoneId)))] },
      frameworks: ['native-int8'],
      quantize: { calibration: 'percentile' },
      options: QUICK,
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.equal(created.body.jobs, 3);
    const run = await waitForRun(h.url, created.body.runId, 300_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs.map((j: { error: unknown }) => j.error)));
    for (const job of run.jobs as { id: string; device: { id: string } }[]) {
      const r = (await api(h.url, 'GET', `/results/${job.id}`)).body;
      assert.equal(r.latenciesMs.length, QUICK.timedRuns);
      assert.ok(r.layers.length > 10, `${r.layers.length} layers`);
      if (job.device.id === desktopId) {
        assert.equal(r.environment.device, undefined);
        continue;
      }
      assert.equal(r.emulated, true);
      assert.equal(r.environment.os, 'Android');
      const env = r.environment.device;
      assert.ok(env.before.temperatureC !== null && env.after.temperatureC !== null, 'temperature before and after');
      assert.ok(env.before.battery.levelPercent > 0);
      assert.ok(env.cooldown.thresholdC === 60);
      assert.ok(r.agreement && r.agreement.cosine > 0.9, `agreement with fp32: ${JSON.stringify(r.agreement)}`);
      assert.ok(r.notes.some((n: string) => /emulated device/.test(n)));
    }
    const cmp = (await api(h.url, 'GET', `/compare?modelId=${modelId}`)).body;
    const phoneCells = cmp.cells.filter((c: { emulated?: boolean }) => c.emulated);
    assert.equal(phoneCells.length, 2, 'both phones are in /compare, flagged as emulated');
    // The model's name reached no device shell.
    for (const p of phones) for (const f of ['pwned-a', 'pwned-b', 'pwned-c']) assert.ok(!existsSync(join(p.rootDir, 'data/local/tmp', f)), f);
  });

  testUnless(false)('a second run of the same model pushes nothing to the phones', async () => {
    const before = phones.map((p) => p.counts.syncSends);
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: await Promise.all(phones.map(phoneId)) },
      frameworks: ['native-int8'],
      quantize: { calibration: 'percentile' },
      options: QUICK,
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const run = await waitForRun(h.url, created.body.runId, 300_000);
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(
      phones.map((p) => p.counts.syncSends),
      before,
    );
  });

  testUnless(false)('a phone plugged in turns online; an unauthorized one shows as unauthorized', async () => {
    const third = await EmulatedAndroidDevice.start({ port: BASE_PORT + 2 });
    const locked = await EmulatedAndroidDevice.start({ port: BASE_PORT + 3, auth: 'never' });
    phones.push(third, locked);
    const t0 = Date.now();
    assert.equal(await server.connect(third.serial), 'device');
    // A hang guard, not a speed limit: the time it took is printed.
    await waitFor('the new phone online', async () => (await deviceBySerial(third.serial))?.status === 'online', 60_000, 200);
    console.log(`phone online in GET /devices ${Date.now() - t0} ms after adb connect`);
    assert.equal(await server.connect(locked.serial), 'unauthorized');
    await waitFor('the locked phone listed as unauthorized', async () => (await deviceBySerial(locked.serial))?.status === 'unauthorized', 60_000);
    const refused = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [await phoneId(locked)] }, frameworks: ['native-int8'] });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
  });

  testUnless(false)('a hot phone holds its job in the cooldown gate (shown as cooling), runs when it cools, and the wait is stored', async () => {
    const phone = phones[0]!;
    phone.forceTemperature(85);
    const mark = phone.counts.shellCommands;
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: [await phoneId(phone)] },
      frameworks: ['native-int8'],
      quantize: { calibration: 'percentile' },
      options: QUICK,
    });
    assert.equal(created.status, 202);
    await waitFor('the phone shown as cooling', async () => (await deviceBySerial(phone.serial))?.status === 'cooling', 60_000);
    // The gate reads the phone's temperature with short commands of its own; no job workspace
    // (made after the gate opens) and so no runner was started while the phone was hot.
    const whileHot = phone.commandsStartedSince(mark);
    assert.ok(whileHot.length > 0, 'the gate read the hot phone');
    assert.deepEqual(
      whileHot.filter((c) => c.includes('/farm/jobs/')),
      [],
      'nothing of the job runs on a hot phone',
    );
    phone.forceTemperature(40);
    const run = await waitForRun(h.url, created.body.runId, 300_000);
    assert.equal(run.status, 'succeeded');
    const r = (await api(h.url, 'GET', `/results/${run.jobs[0].id}`)).body;
    expect(r.environment.device.cooldown).toMatchObject({ thresholdC: 60, startTemperatureC: 85, timedOut: false });
    assert.ok(r.environment.device.cooldown.waitedMs > 0);
  });

  testUnless(false)('a phone unplugged mid-job: its job is retried when it is back, and stored exactly once', async () => {
    const phone = phones[1]!;
    const id = await phoneId(phone);
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: [id] },
      frameworks: ['native-int8'],
      quantize: { calibration: 'percentile' },
      options: { warmupRuns: 1, timedRuns: 150, profileRuns: 1 },
    });
    assert.equal(created.status, 202);
    const runId = created.body.runId;
    const { error } = await unplugMidJob(h.url, phone, runId);
    // The attempt that was running fails with the reason; depending on when the adb server notices, the
    // agent or adb says it.
    assert.match(JSON.stringify(error), /disconnected during the job|offline/);

    // Plugged back in (a fresh device on the same address): the queue's retry runs there.
    phones[1] = await replugPhone(server, phone);
    const run = await waitForRun(h.url, runId, 600_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs[0]));
    const n = await sql<{ n: string }>(h.databaseUrl, 'SELECT count(*)::text AS n FROM benchmark_results WHERE job_id = $1', [run.jobs[0].id]);
    assert.equal(n[0]!.n, '1');
  });
});
