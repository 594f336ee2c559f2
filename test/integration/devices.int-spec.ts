/**
 * Phones through the real API, Postgres and Redis: an agent registers described and unreachable
 * devices, registers again as phones come, go and change state, heartbeats their live state, and
 * delivers a result from an emulated phone. The test plays the agent's HTTP role itself (the agent
 * is another engineer's code in flight); the numbers it submits are a real ONNX Runtime run on this
 * host, which is what an emulated phone's timings are: emulation, labelled so in every view.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { deviceQueueName, type DeviceReport, type TensorSpec, type UnreachableDevice } from '@farm/contracts';
import { createQueueFactory } from '@farm/queue';
import {
  agentOfDevice,
  api,
  createTestDatabase,
  listDevices,
  registerDevice,
  requireEnv,
  SAMPLE,
  sql,
  startApi,
  upload,
  type ApiHandle,
} from '../fixtures/stack.js';
import { EMULATED_DEVICE_ENV, emulatedPhone, PHONE_OPTS as OPTS, agentPost as post, snapshot, submitMeasuredResult } from '../fixtures/phones.js';

const phone = emulatedPhone;

const galaxy = (serial: string) =>
  phone(serial, {
    name: 'Galaxy S23',
    soc: 'Snapdragon 8 Gen 2',
    emulated: false,
    coreMaxFreqMHz: undefined,
    frameworks: [{ framework: 'tflite', version: '2.16' }],
  });

describe('phones: registration, unreachable devices, heartbeats, targeting and emulated results', () => {
  let h: ApiHandle;
  let modelId: string;
  let artifact: { inputs: TensorSpec[]; outputs: TensorSpec[] };
  let agentId: string;
  const ids: Record<string, string> = {};
  let queuedJobId: string;
  let queuedRunId: string;

  const agentPost = (path: string, body: unknown) => post(h, path, body);
  const register = async (devices: DeviceReport[], unreachable: UnreachableDevice[]) => {
    const r = await agentPost('/agent/register', { name: 'phone-host', hostname: 'phone-host', version: 'test', devices, unreachable });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    agentId = r.body.agentId;
    return r.body as { devices: { id: string; serial: string }[] };
  };
  const devices = async () => {
    const list = await listDevices(h.url);
    return new Map(list.filter((d) => d.agent.name === 'phone-host').map((d) => [d.serial, d as any]));
  };

  beforeAll(async () => {
    const db = await createTestDatabase('devices_int');
    // No heartbeat loop runs here: a long interval keeps registered devices from going stale mid-test.
    h = await startApi({ databaseUrl: db, redisUrl: requireEnv('TEST_REDIS_URL'), env: { HEARTBEAT_INTERVAL_MS: '600000' } });
    const up = await upload(h.url, SAMPLE.onnx, { name: 'blazeface' });
    modelId = up.body.model.id;
    artifact = up.body.model.artifacts[0];
  });
  afterAll(async () => {
    await h?.kill();
  });

  test('an unauthorized phone is a row named by its serial with nothing read, and cannot be targeted', async () => {
    await register([phone('emu-1')], [{ serial: 'R58M123', transport: 'adb', connection: 'unauthorized' }]);
    const d = await devices();
    const emu = d.get('emu-1')!;
    const locked = d.get('R58M123')!;
    ids.emu = emu.id;
    ids.locked = locked.id;
    assert.equal(emu.status, 'online');
    assert.equal(emu.emulated, true);
    assert.equal(emu.soc, 'Emulated SoC');
    assert.deepEqual(emu.coreMaxFreqMHz, [1800, 1800, 2400, 2400]);
    assert.equal(emu.lastTemperatureC, null);
    assert.equal(emu.battery, null);
    assert.deepEqual(
      { ...locked, id: undefined, agent: undefined, lastHeartbeatAt: undefined },
      {
        id: undefined,
        name: 'R58M123',
        serial: 'R58M123',
        platform: 'android',
        transport: 'adb',
        status: 'unauthorized',
        emulated: false,
        lastHeartbeatAt: undefined,
        cpuModel: null,
        soc: null,
        cores: null,
        coreMaxFreqMHz: null,
        ramBytes: null,
        osVersion: null,
        abi: null,
        frameworks: [],
        lastTemperatureC: null,
        lastThermalState: null,
        battery: null,
        lastSnapshotAt: null,
        agent: undefined,
      },
    );

    const runs = async () => Number((await sql<{ n: string }>(h.databaseUrl, 'SELECT count(*)::text AS n FROM benchmark_runs'))[0]!.n);
    const before = await runs();
    const refused = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [ids.locked] } });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'DEVICE_UNAVAILABLE');
    assert.match(refused.body.error.message, /R58M123.*unauthorized: accept this host's USB debugging key/);
    assert.equal(await runs(), before, 'a refused request leaves no run');

    // Named together with a usable phone, the unauthorized one is skipped and reported; nothing is queued on it.
    const mixed = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [ids.emu, ids.locked] }, options: OPTS });
    assert.equal(mixed.status, 202, JSON.stringify(mixed.body));
    assert.deepEqual(mixed.body.skippedDevices, [{ id: ids.locked, name: 'R58M123', status: 'unauthorized' }]);
    const run = (await api(h.url, 'GET', `/benchmarks/${mixed.body.runId}`)).body;
    assert.deepEqual(
      run.jobs.map((j: { device: { id: string; emulated: boolean } }) => j.device),
      [{ id: ids.emu, name: 'emulated emu-1', emulated: true }],
    );
    queuedRunId = mixed.body.runId;
    queuedJobId = run.jobs[0].id;

    // By platform: only the usable phone.
    const android = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { platform: 'android' }, options: OPTS });
    assert.equal(android.status, 202, JSON.stringify(android.body));
    const androidJobs = (await api(h.url, 'GET', `/benchmarks/${android.body.runId}`)).body.jobs;
    assert.deepEqual([...new Set(androidJobs.map((j: { device: { id: string } }) => j.device.id))], [ids.emu]);
    assert.equal((await api(h.url, 'DELETE', `/benchmarks/${android.body.runId}`)).body.cancelled, androidJobs.length);
  });

  test('registering again adds and removes phones, fills in one once authorized, never erases it, and keeps queued jobs', async () => {
    const added = await register([phone('emu-1'), galaxy('R58M123'), phone('emu-2')], []);
    assert.deepEqual(added.devices.map((d) => d.serial).sort(), ['R58M123', 'emu-1', 'emu-2']);
    let d = await devices();
    assert.equal(d.get('emu-1')!.id, ids.emu, 'the same row, so the same queue');
    assert.equal(d.get('R58M123')!.id, ids.locked, 'the unauthorized row is filled in, not duplicated');
    assert.equal(d.get('R58M123')!.status, 'online');
    assert.equal(d.get('R58M123')!.name, 'Galaxy S23');
    assert.equal(d.get('R58M123')!.soc, 'Snapdragon 8 Gen 2');
    assert.equal(d.get('R58M123')!.coreMaxFreqMHz, null);
    assert.equal(d.get('emu-2')!.status, 'online');
    ids.emu2 = d.get('emu-2')!.id;

    // emu-2 unplugged, a new phone seen but offline (adb lists it, the link is down).
    await register([phone('emu-1'), galaxy('R58M123')], [{ serial: 'emu-3', transport: 'adb', connection: 'offline' }]);
    d = await devices();
    assert.equal(d.get('emu-2')!.status, 'offline');
    assert.equal(d.get('emu-3')!.status, 'offline');
    assert.equal(d.get('emu-3')!.name, 'emu-3');
    const gone = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [ids.emu2] } });
    assert.equal(gone.status, 409);
    assert.equal(gone.body.error.code, 'DEVICE_UNAVAILABLE');
    assert.match(gone.body.error.message, /offline/);

    // The Galaxy's key revoked: unauthorized again, and what was read from it stays.
    await register([phone('emu-1')], [{ serial: 'R58M123', transport: 'adb', connection: 'unauthorized' }]);
    d = await devices();
    assert.equal(d.get('R58M123')!.status, 'unauthorized');
    assert.equal(d.get('R58M123')!.name, 'Galaxy S23');
    assert.equal(d.get('R58M123')!.cpuModel, 'Cortex-A76 (emulated)');
    assert.deepEqual(d.get('R58M123')!.frameworks, [{ framework: 'tflite', version: '2.16' }]);
    assert.equal(d.get('emu-3')!.status, 'offline');

    // Four registrations later the job queued on emu-1 is still queued, in Postgres and in its device queue.
    const run = (await api(h.url, 'GET', `/benchmarks/${queuedRunId}`)).body;
    assert.equal(run.jobs[0].status, 'queued');
    const queue = createQueueFactory({ kind: 'redis', url: requireEnv('TEST_REDIS_URL') }).createQueue(deviceQueueName(ids.emu));
    try {
      const job = await queue.getJob(queuedJobId);
      assert.ok(job, 'the device queue still holds the job');
      assert.equal(await job.getState(), 'waiting');
    } finally {
      await queue.close();
    }
  });

  test('heartbeats: cooling while in the gate, busy while running, latest snapshot shown; unauthorized and offline devices stay so', async () => {
    const hot = snapshot(43.25, '2026-11-30T10:00:00.000Z');
    const beat = async (busyDeviceIds: string[], live: unknown[]) => {
      const r = await agentPost('/agent/heartbeat', { agentId, busyDeviceIds, devices: live });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return devices();
    };
    let d = await beat(
      [ids.emu, ids.locked, ids.emu2],
      [
        { deviceId: ids.emu, cooling: true, snapshot: hot },
        { deviceId: ids.locked, cooling: true, snapshot: snapshot(50) },
        { deviceId: ids.emu2, cooling: false },
      ],
    );
    assert.equal(d.get('emu-1')!.status, 'cooling');
    assert.equal(d.get('emu-1')!.lastTemperatureC, 43.25);
    assert.deepEqual(d.get('emu-1')!.battery, { levelPercent: 87, temperatureC: 31.5, charging: true });
    assert.equal(d.get('emu-1')!.lastSnapshotAt, hot.takenAt);
    assert.equal(d.get('R58M123')!.status, 'unauthorized', 'a heartbeat never makes an unauthorized phone usable');
    assert.equal(d.get('R58M123')!.lastTemperatureC, null, 'nor gives it a snapshot');
    assert.equal(d.get('emu-2')!.status, 'offline', 'nor an offline one');

    d = await beat([ids.emu], [{ deviceId: ids.emu, cooling: false }]);
    assert.equal(d.get('emu-1')!.status, 'busy');
    assert.equal(d.get('emu-1')!.lastTemperatureC, 43.25, 'a device listed without a snapshot keeps its last one');
    d = await beat([], []);
    assert.equal(d.get('emu-1')!.status, 'online');
    assert.equal(d.get('R58M123')!.status, 'unauthorized');

    // A device of another agent is not this agent's to update.
    const other = await registerDevice(h, 'other-desk');
    await beat([other], [{ deviceId: other, cooling: true, snapshot: hot }]);
    const desk = (await listDevices(h.url)).find((x) => x.id === other)!;
    assert.equal(desk.status, 'online');
    assert.equal(desk.lastSnapshotAt, null);
    ids.desk = other;
  });

  test("an emulated phone's result carries emulated: true in /results and /compare, with its before/after environment kept", async () => {
    const deskRun = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [ids.desk] }, options: OPTS });
    assert.equal(deskRun.status, 202, JSON.stringify(deskRun.body));
    const deskJob = (await api(h.url, 'GET', `/benchmarks/${deskRun.body.runId}`)).body.jobs[0].id as string;

    assert.equal(await submitMeasuredResult(h, queuedJobId, artifact, EMULATED_DEVICE_ENV), 201);
    assert.equal(await submitMeasuredResult(agentOfDevice(ids.desk), deskJob, artifact), 201);

    const phoneResult = (await api(h.url, 'GET', `/results/${queuedJobId}`)).body;
    assert.equal(phoneResult.emulated, true);
    assert.equal(phoneResult.device.emulated, true);
    assert.deepEqual(phoneResult.environment.device, EMULATED_DEVICE_ENV);
    const deskResult = (await api(h.url, 'GET', `/results/${deskJob}`)).body;
    assert.equal(deskResult.emulated, false);
    assert.equal(deskResult.environment.device, undefined);

    const cmp = (await api(h.url, 'GET', `/compare?modelId=${modelId}`)).body;
    const byDevice = new Map<string, { emulated: boolean }>(cmp.cells.map((c: { deviceId: string; emulated: boolean }) => [c.deviceId, c]));
    assert.equal(byDevice.get(ids.emu!)?.emulated, true);
    assert.equal(byDevice.get(ids.desk!)?.emulated, false);
    const listed = new Map(cmp.devices.map((x: { id: string }) => [x.id, x]));
    assert.deepEqual(listed.get(ids.emu), { id: ids.emu, name: 'emulated emu-1', platform: 'android', emulated: true });
    assert.deepEqual(listed.get(ids.desk), { id: ids.desk, name: 'other-desk device', platform: 'linux', emulated: false });
  });
});
