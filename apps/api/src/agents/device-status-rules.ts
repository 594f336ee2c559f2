/**
 * How registrations and heartbeats move a device's stored status. Pure, so the rules are
 * unit-tested without a database.
 *
 * - Only a registration makes a device usable again: a heartbeat never turns an offline or
 *   unauthorized device online (the agent said it cannot use it; only its next registration,
 *   listing the device as described, can say otherwise).
 * - cooling before busy: the agent holds a job on a device while it waits in the cooldown gate and
 *   lists it as busy then too; "cooling" says the job has not started timing yet, "busy" that it has.
 */
import { isTargetableStatus, type DeviceStatus, type Platform, type UnreachableDevice } from '@farm/contracts';

/** A device listed as described in a registration: a running (or cooling) job keeps its status until the next heartbeat. */
export function registeredStatus(current: DeviceStatus | undefined): DeviceStatus {
  return current === 'busy' || current === 'cooling' ? current : 'online';
}

/** The status a heartbeat gives a device; unusable devices keep theirs. */
export function heartbeatStatus(current: DeviceStatus, live: { busy: boolean; cooling: boolean }): DeviceStatus {
  if (!isTargetableStatus(current)) return current;
  if (live.cooling) return 'cooling';
  return live.busy ? 'busy' : 'online';
}

/** The platform of a device nothing could be read from yet, from how the agent reaches it. */
export function unreachablePlatform(transport: UnreachableDevice['transport']): Platform {
  return transport === 'adb' ? 'android' : transport === 'appium' ? 'ios' : 'linux';
}
