import type { DeviceSnapshot, DeviceStatus, DeviceView, FrameworkAvailability } from '@farm/contracts';
import type { DeviceRow } from './devices.repository.js';

/** A device's status as stored, except that a silent agent makes it offline whatever the row says. */
export function effectiveStatus(d: Pick<DeviceRow, 'status' | 'lastHeartbeatAt'>, offlineAfterMs: number, now = Date.now()): DeviceStatus {
  if (now - d.lastHeartbeatAt.getTime() > offlineAfterMs) return 'offline';
  return d.status;
}

export function deviceFrameworks(d: Pick<DeviceRow, 'frameworks'>): FrameworkAvailability[] {
  return (d.frameworks as unknown as FrameworkAvailability[]) ?? [];
}

export function deviceView(d: DeviceRow, offlineAfterMs: number, now = Date.now()): DeviceView {
  const snapshot = d.lastSnapshot as unknown as DeviceSnapshot | null;
  return {
    id: d.id,
    name: d.name,
    serial: d.serial,
    platform: d.platform,
    transport: d.transport,
    status: effectiveStatus(d, offlineAfterMs, now),
    emulated: d.emulated,
    lastHeartbeatAt: d.lastHeartbeatAt.toISOString(),
    cpuModel: d.cpuModel,
    soc: d.soc,
    cores: d.cores,
    coreMaxFreqMHz: (d.coreMaxFreqMhz as number[] | null) ?? null,
    ramBytes: d.ramBytes === null ? null : Number(d.ramBytes),
    osVersion: d.osVersion,
    abi: d.abi,
    frameworks: deviceFrameworks(d),
    lastTemperatureC: snapshot?.temperatureC ?? null,
    lastThermalState: snapshot?.thermalState ?? null,
    battery: snapshot?.battery ?? null,
    lastSnapshotAt: d.lastSnapshotAt?.toISOString() ?? null,
    agent: d.agent,
  };
}
