/**
 * The cooldown gate: before a job, wait until the device's hottest thermal zone is below a
 * threshold, so a job does not inherit the throttling the previous one caused. The wait is part of
 * the result (how long, from what temperature), and a device that does not cool in time fails the
 * attempt (the queue retries it later) rather than producing throttled numbers.
 */
import type { Cooldown, DeviceSnapshot } from '@farm/contracts';

export interface CooldownSettings {
  /** Degrees Celsius; the gate opens below it. */
  thresholdC: number;
  /** How long to wait at most. */
  timeoutMs: number;
  /** How often the temperature is read while waiting. */
  pollMs: number;
}

export interface CooldownOutcome {
  cooldown: Cooldown;
  /** The last reading, taken when the gate opened (or gave up): the run's "before" state. */
  snapshot: DeviceSnapshot;
}

export interface GateClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: GateClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    }),
};

/**
 * Reads the device until it is cool enough or the time is up. A device with no thermal zone
 * (temperature null) passes at once; the result then says nothing was known.
 * `onWaiting(true)` is called when the device turns out to be too hot, `onWaiting(false)` when the
 * wait ends, so the device can show as cooling meanwhile.
 */
export async function cooldownGate(
  read: () => Promise<DeviceSnapshot>,
  settings: CooldownSettings,
  options: { clock?: GateClock; signal?: AbortSignal; onWaiting?: (waiting: boolean) => void } = {},
): Promise<CooldownOutcome> {
  const clock = options.clock ?? realClock;
  let snapshot = await read();
  // The wait starts once the first reading says the device is hot; that reading itself is no wait.
  const start = clock.now();
  const startTemperatureC = snapshot.temperatureC;
  const done = (timedOut: boolean): CooldownOutcome => ({
    snapshot,
    cooldown: {
      thresholdC: settings.thresholdC,
      waitedMs: Math.max(0, Math.round(clock.now() - start)),
      startTemperatureC,
      endTemperatureC: snapshot.temperatureC,
      timedOut,
    },
  });
  const hot = () => snapshot.temperatureC !== null && snapshot.temperatureC >= settings.thresholdC;
  // Cool at the first reading: no wait at all (a clock tick between two reads is not a wait).
  if (!hot())
    return { snapshot, cooldown: { thresholdC: settings.thresholdC, waitedMs: 0, startTemperatureC, endTemperatureC: snapshot.temperatureC, timedOut: false } };
  options.onWaiting?.(true);
  try {
    while (hot()) {
      if (options.signal?.aborted || clock.now() - start >= settings.timeoutMs) return done(true);
      await clock.sleep(Math.min(settings.pollMs, Math.max(1, settings.timeoutMs - (clock.now() - start))), options.signal);
      snapshot = await read();
    }
    return done(false);
  } finally {
    options.onWaiting?.(false);
  }
}
