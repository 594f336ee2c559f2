/**
 * iOS over Appium end to end, on real processes: the API, the agent (IOS=on, attached to the
 * Appium server), Postgres, Redis, a real Appium 3 server with the project's test driver, and an
 * "iPhone" that is a folder whose host app is the stand-in running the real opencv_runner (test
 * infrastructure: no iPhone and no Core ML exist here). Covered: the device registered with the
 * engine its host really runs (never coreml), a benchmark job stored with per-layer timings,
 * device info and the state before and after; an app crash mid-run failing the job with the reason
 * and leaving nothing behind; Appium stopped turning the device offline so jobs cannot be queued on
 * it; Appium back turning it online. Nothing asserts a speed.
 */
import { afterAll, beforeAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { appiumMissingReason, IPHONE_STANDIN, removeDevicesDir, STANDIN_APP, startAppium, type AppiumHandle } from '../fixtures/appium-server.js';
import { describeUnless, testUnless } from '../fixtures/skip.js';
import {
  api,
  createTestDatabase,
  requireEnv,
  SAMPLE,
  startAgent,
  startApi,
  upload,
  waitFor,
  waitForRun,
  type AgentHandle,
  type ApiHandle,
} from '../fixtures/stack.js';

const QUICK = { warmupRuns: 1, timedRuns: 5, profileRuns: 2 };
const UDID = IPHONE_STANDIN.udid;

interface DeviceRow {
  id: string;
  serial: string;
  status: string;
  transport: string;
  platform: string;
  emulated: boolean;
  osVersion: string;
  frameworks: { framework: string; version: string }[];
  lastTemperatureC: number | null;
  lastThermalState: string | null;
}

describeUnless(appiumMissingReason())(
  'iOS over Appium end to end: real Appium 3 server, project test driver, API, agent, Postgres, Redis (stand-in host, not iPhone performance)',
  () => {
    let h: ApiHandle;
    let agent: AgentHandle;
    let appium: AppiumHandle;
    let modelId: string;
    const redisUrl = requireEnv('TEST_REDIS_URL');

    const iphone = async () => (await api<{ items: DeviceRow[] }>(h.url, 'GET', '/devices?limit=1000')).body.items.find((d) => d.serial === UDID);

    beforeAll(async () => {
      appium = await startAppium([IPHONE_STANDIN]);
      const db = await createTestDatabase('ios_e2e');
      // One attempt: a crash is a transient failure, and the test wants its final state, not a retry.
      h = await startApi({ databaseUrl: db, redisUrl, env: { JOB_ATTEMPTS: '1', HEARTBEAT_INTERVAL_MS: '1000' } });
      agent = await startAgent(h, {
        redisUrl,
        env: {
          IOS: 'on',
          APPIUM_URL: appium.url,
          APPIUM_AUTOMATION_NAME: 'FarmTest',
          APPIUM_UDIDS: UDID,
          APPIUM_POLL_MS: '500',
          IOS_HOST_APP: STANDIN_APP,
        },
      });
      await waitFor('the test iPhone online', async () => (await iphone())?.status === 'online', 120_000);
      const up = await upload(h.url, SAMPLE.onnx, { name: 'blazeface' });
      assert.equal(up.status, 201, JSON.stringify(up.body));
      modelId = up.body.model.id;
    }, 240_000);

    afterAll(async () => {
      await agent?.kill();
      await h?.kill();
      await appium?.stop();
      if (appium) removeDevicesDir(appium);
    });

    testUnless(false)('the device is registered as iOS over Appium, offering the engine its host really runs', async () => {
      const d = (await iphone())!;
      assert.equal(d.platform, 'ios');
      assert.equal(d.transport, 'appium');
      assert.equal(d.emulated, true);
      assert.equal(d.osVersion, '17.5');
      assert.deepEqual(
        d.frameworks.map((f) => f.framework),
        ['opencv-dnn'],
      );
      assert.match(d.frameworks[0]!.version, /farm-test-host-standin opencv_runner/);
      // The devices view carries the thermal state of the latest heartbeat snapshot (iOS gives no temperature).
      await waitFor('a snapshot with the thermal state', async () => (await iphone())?.lastThermalState === 'nominal', 30_000);
      assert.equal((await iphone())!.lastTemperatureC, null);
    });

    testUnless(false)('a benchmark job stores results, per-layer timings, device info and the state before and after', async () => {
      const deviceId = (await iphone())!.id;
      const created = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [deviceId] }, frameworks: ['opencv-dnn'], options: QUICK });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const run = await waitForRun(h.url, created.body.runId, 300_000);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs.map((j: { error: unknown }) => j.error)));
      const r = (await api(h.url, 'GET', `/results/${run.jobs[0].id}`)).body;
      assert.equal(r.framework, 'opencv-dnn');
      assert.equal(r.latenciesMs.length, QUICK.timedRuns);
      assert.ok(r.layers.length > 10, `${r.layers.length} layers`);
      assert.equal(r.emulated, true);
      assert.equal(r.environment.os, 'iOS');
      assert.equal(r.environment.runtimeVersion, 'appium');
      const env = r.environment.device;
      for (const s of [env.before, env.after]) {
        assert.equal(s.thermalState, 'nominal');
        assert.deepEqual(s.battery, { levelPercent: 81, temperatureC: null, charging: false });
      }
      assert.ok(
        r.notes.some((n: string) => /thermal state nominal -> nominal; battery 81% \(unplugged\)/.test(n)),
        r.notes.join('\n'),
      );
      // The workspace is gone from the app container; the cached model stays for the next job.
      assert.equal(readdirSync(join(appium.documents(UDID), 'farm/ws')).length, 0);
      assert.ok(readdirSync(join(appium.documents(UDID), 'farm/cache')).some((f) => f.endsWith('.onnx')));
    });

    testUnless(false)('an app crash mid-run fails the job with the reason, and the session is cleaned up', async () => {
      const deviceId = (await iphone())!.id;
      appium.crashNextLaunch(UDID);
      const created = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [deviceId] }, frameworks: ['opencv-dnn'], options: QUICK });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const run = await waitForRun(h.url, created.body.runId, 300_000);
      assert.equal(run.status, 'failed');
      assert.match(JSON.stringify(run.jobs[0].error), /crashed or was killed/);
      assert.equal(readdirSync(join(appium.documents(UDID), 'farm/ws')).length, 0);
      assert.equal(existsSync(join(appium.devicesDir, UDID, 'crash-next-launch')), false);
      // No WebDriver session is left open on the server. The agent's heartbeat opens a short session
      // of its own to read the device's state, so one may be open at any instant; a session the crash
      // leaked would never close, and the server would never be seen without one.
      const openSessions = async () => (await fetch(`${appium.url}/appium/sessions`).then((x) => x.json() as Promise<{ value: unknown[] }>)).value.length;
      await waitFor('no WebDriver session open on the server', async () => (await openSessions()) === 0, 30_000, 50);
    });

    testUnless(false)('Appium stopped: the device goes offline and no job can be queued on it; Appium back: online again', async () => {
      const deviceId = (await iphone())!.id;
      await appium.stop();
      await waitFor('the test iPhone offline', async () => (await iphone())?.status === 'offline', 60_000);
      const refused = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [deviceId] }, frameworks: ['opencv-dnn'], options: QUICK });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'DEVICE_UNAVAILABLE');
      await appium.restart();
      await waitFor('the test iPhone online again', async () => (await iphone())?.status === 'online', 120_000);
    });
  },
);
