/**
 * GET /devices: one device as the API shows it to users, the CLI and the dashboard. Description
 * fields are null for a device its agent sees but cannot read (an unauthorized phone); live fields
 * (temperature, battery) come from the latest snapshot an agent sent with a heartbeat.
 */
import { z } from 'zod';
import { DEVICE_STATUSES, type DeviceStatus } from './agent.schema.js';
import { BatteryStateSchema } from './device-state.schema.js';
import { pageSchema } from './api-common.schema.js';

export const DeviceViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    serial: z.string(),
    platform: z.string(),
    transport: z.string(),
    /**
     * online, busy (running a job), cooling (holding a job but waiting in the cooldown gate before
     * it), offline (gone from its agent's list, or its agent is silent), unauthorized (adb sees it but
     * the phone has not accepted the host's key).
     */
    status: z.enum(DEVICE_STATUSES),
    /** Test and demo infrastructure: its timings are emulation, never device performance. */
    emulated: z.boolean(),
    lastHeartbeatAt: z.string(),
    cpuModel: z.string().nullable(),
    soc: z.string().nullable(),
    cores: z.number().int().nullable(),
    /** Per-core top frequency, where the device exposes it. */
    coreMaxFreqMHz: z.array(z.number()).nullable(),
    ramBytes: z.number().nullable(),
    osVersion: z.string().nullable(),
    abi: z.string().nullable(),
    frameworks: z.array(z.object({ framework: z.string(), version: z.string() })),
    /** The hottest thermal zone in the latest snapshot, in degrees Celsius. */
    lastTemperatureC: z.number().nullable(),
    /** iOS and macOS: ProcessInfo's thermal state in the latest snapshot (they expose no temperature); null elsewhere. */
    lastThermalState: z.enum(['nominal', 'fair', 'serious', 'critical']).nullable(),
    battery: BatteryStateSchema.nullable(),
    /** When the latest snapshot was taken (null: the agent never sent one, e.g. a desktop). */
    lastSnapshotAt: z.string().nullable(),
    agent: z.object({ id: z.string(), name: z.string(), hostname: z.string(), version: z.string() }),
  })
  .meta({ id: 'Device' });
export type DeviceView = z.infer<typeof DeviceViewSchema>;
export const DevicePageSchema = pageSchema(DeviceViewSchema, 'DevicePage');

/** Statuses a benchmark can be queued on: the queue holds the job until the device is free. */
export const TARGETABLE_DEVICE_STATUSES = ['online', 'busy', 'cooling'] as const satisfies readonly DeviceStatus[];

/** False for unauthorized and offline devices: nothing is queued on them, and only a registration makes them usable again. */
export function isTargetableStatus(s: DeviceStatus): boolean {
  return (TARGETABLE_DEVICE_STATUSES as readonly DeviceStatus[]).includes(s);
}
