/**
 * A device this agent can run jobs on, as the workers see it: how it is reached, what it is, the
 * runners it has, and its live state (cooling, last snapshot, the job running now) for heartbeats.
 */
import type { DeviceReport, DeviceSnapshot, FrameworkAvailability } from '@farm/contracts';
import type { Runner } from '../runners/runner.js';
import type { DeviceDescription, Transport } from '../transports/transport.js';

export interface DeviceSession {
  readonly serial: string;
  readonly transport: Transport;
  readonly description: DeviceDescription;
  /** The runners usable on this device, and the frameworks (with versions) they probed. */
  readonly runners: Runner[];
  readonly frameworks: FrameworkAvailability[];
  /** Set by the API at registration. */
  deviceId?: string;
  cooling: boolean;
  lastSnapshot?: DeviceSnapshot;
  /** Aborted when the device goes away: its running job ends now instead of at its timeout. */
  readonly gone: AbortController;
  /**
   * Called by a job that failed on this device when the device is no longer reachable (unplugged
   * before the adb server noticed): the agent retires the device at once, so the queue's retry of
   * the job waits for it instead of burning its attempts against a missing phone.
   */
  lost?: () => void;
}

export function newSession(transport: Transport, description: DeviceDescription, runners: Runner[], frameworks: FrameworkAvailability[]): DeviceSession {
  return { serial: description.serial, transport, description, runners, frameworks, cooling: false, gone: new AbortController() };
}

/** The device as registration reports it. */
export function deviceReport(s: DeviceSession): DeviceReport {
  return { ...s.description, frameworks: s.frameworks };
}

/** The error a job's signal carries when its device was unplugged (or lost its authorization). */
export class DeviceGoneError extends Error {
  constructor(readonly deviceName: string) {
    super(`${deviceName} disconnected during the job; the job is retried when the device is back`);
    this.name = 'DeviceGoneError';
  }
}
