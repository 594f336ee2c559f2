import { describe, expect, test } from '@jest/globals';
import type { DeviceSnapshot } from '@farm/contracts';
import { cooldownGate, type GateClock } from './cooldown-gate.js';

function fakeClock(): GateClock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    },
  };
  return c;
}

function snap(temperatureC: number | null): DeviceSnapshot {
  return { takenAt: new Date(0).toISOString(), cores: [], temperatureC, battery: null };
}

describe('cooldownGate', () => {
  const settings = { thresholdC: 45, timeoutMs: 60_000, pollMs: 1000 };

  test('a cool device passes at once and the wait is zero', async () => {
    const clock = fakeClock();
    const r = await cooldownGate(async () => snap(38), settings, { clock });
    expect(r.cooldown).toEqual({ thresholdC: 45, waitedMs: 0, startTemperatureC: 38, endTemperatureC: 38, timedOut: false });
  });

  test('a hot device is read until it cools; the wait and both temperatures are kept', async () => {
    const clock = fakeClock();
    const temps = [60, 55, 50, 44];
    const waiting: boolean[] = [];
    const r = await cooldownGate(async () => snap(temps.shift()!), settings, { clock, onWaiting: (w) => waiting.push(w) });
    expect(r.cooldown).toEqual({ thresholdC: 45, waitedMs: 3000, startTemperatureC: 60, endTemperatureC: 44, timedOut: false });
    expect(r.snapshot.temperatureC).toBe(44);
    expect(waiting).toEqual([true, false]);
  });

  test('a device that stays hot gives up at the timeout', async () => {
    const clock = fakeClock();
    const r = await cooldownGate(async () => snap(70), { ...settings, timeoutMs: 5000 }, { clock });
    expect(r.cooldown.timedOut).toBe(true);
    expect(r.cooldown.waitedMs).toBe(5000);
  });

  test('no thermal zone: nothing to wait for', async () => {
    const r = await cooldownGate(async () => snap(null), settings, { clock: fakeClock() });
    expect(r.cooldown.timedOut).toBe(false);
    expect(r.cooldown.startTemperatureC).toBeNull();
  });
});
