import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { DeviceViewSchema } from '@farm/contracts';
import { deviceView } from './device-view.js';
import type { DeviceRow } from './devices.repository.js';

const now = Date.parse('2026-11-30T12:00:00.000Z');
const agent = { id: 'a1', name: 'bench-host', hostname: 'host', version: '1' };
const base: DeviceRow = {
  id: 'd1',
  agentId: 'a1',
  agent,
  serial: 'emulator-1',
  name: 'Pixel 8 (emulated)',
  platform: 'android',
  transport: 'adb',
  cpuModel: 'Cortex-A78',
  soc: 'Tensor G3',
  cores: 8,
  ramBytes: 8n * 2n ** 30n,
  osVersion: 'Android 14',
  abi: 'arm64-v8a',
  coreMaxFreqMhz: [1704, 1704, 2367, 2913],
  emulated: true,
  frameworks: [{ framework: 'tflite', version: '2.16' }],
  status: 'cooling',
  lastSnapshot: {
    takenAt: '2026-11-30T11:59:58.000Z',
    cores: [],
    temperatureC: 41.5,
    battery: { levelPercent: 87, temperatureC: 33.1, charging: true },
  },
  lastSnapshotAt: new Date('2026-11-30T11:59:58.000Z'),
  lastHeartbeatAt: new Date(now - 1000),
  createdAt: new Date(now - 60_000),
};

test('a phone shows its emulated flag, SoC, core frequencies, state, latest temperature and battery', () => {
  const v = DeviceViewSchema.parse(deviceView(base, 15_000, now));
  assert.equal(v.status, 'cooling');
  assert.equal(v.emulated, true);
  assert.equal(v.soc, 'Tensor G3');
  assert.deepEqual(v.coreMaxFreqMHz, [1704, 1704, 2367, 2913]);
  assert.equal(v.lastTemperatureC, 41.5);
  assert.equal(v.lastThermalState, null, 'Android gives temperatures, no thermal state');
  assert.deepEqual(v.battery, { levelPercent: 87, temperatureC: 33.1, charging: true });
  assert.equal(v.lastSnapshotAt, '2026-11-30T11:59:58.000Z');
  assert.equal(v.ramBytes, 8 * 2 ** 30);
});

test('an unauthorized phone nothing was read from has null description fields and no live state', () => {
  const row: DeviceRow = {
    ...base,
    name: 'R58M123',
    serial: 'R58M123',
    cpuModel: null,
    soc: null,
    cores: null,
    ramBytes: null,
    osVersion: null,
    abi: null,
    coreMaxFreqMhz: null,
    emulated: false,
    frameworks: [],
    status: 'unauthorized',
    lastSnapshot: null,
    lastSnapshotAt: null,
  };
  const v = DeviceViewSchema.parse(deviceView(row, 15_000, now));
  assert.equal(v.status, 'unauthorized');
  assert.deepEqual(
    [v.cpuModel, v.cores, v.ramBytes, v.coreMaxFreqMHz, v.lastTemperatureC, v.lastThermalState, v.battery, v.lastSnapshotAt],
    [null, null, null, null, null, null, null, null],
  );
});

test('a silent agent makes its devices offline whatever the row says', () => {
  assert.equal(deviceView({ ...base, lastHeartbeatAt: new Date(now - 20_000) }, 15_000, now).status, 'offline');
});

test('an iPhone shows the thermal state of its latest snapshot in place of a temperature', () => {
  const row: DeviceRow = {
    ...base,
    platform: 'ios',
    transport: 'appium',
    lastSnapshot: { takenAt: '2026-11-30T11:59:58.000Z', cores: [], temperatureC: null, battery: null, thermalState: 'fair' },
  };
  const v = DeviceViewSchema.parse(deviceView(row, 15_000, now));
  assert.equal(v.lastThermalState, 'fair');
  assert.equal(v.lastTemperatureC, null);
});
