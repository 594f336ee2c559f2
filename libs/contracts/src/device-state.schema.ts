/**
 * What a device is doing and how warm it is: the snapshot an agent takes before and after every
 * job on a phone, the cooldown it waited through, and the live state it reports in heartbeats.
 * Anything a device does not expose is null, never guessed.
 */
import { z } from 'zod';

export const CoreStateSchema = z.object({
  cpu: z.number().int().nonnegative(),
  governor: z.string().max(100).nullable(),
  curFreqMHz: z.number().nonnegative().nullable(),
  maxFreqMHz: z.number().nonnegative().nullable(),
});
export type CoreState = z.infer<typeof CoreStateSchema>;

export const BatteryStateSchema = z.object({
  levelPercent: z.number().nullable(),
  temperatureC: z.number().nullable(),
  charging: z.boolean().nullable(),
});
export type BatteryState = z.infer<typeof BatteryStateSchema>;

/** Benchmark-relevant device state at one moment. */
export const DeviceSnapshotSchema = z.object({
  takenAt: z.string().datetime(),
  cores: z.array(CoreStateSchema).max(1024),
  /** The hottest thermal zone, in degrees Celsius. */
  temperatureC: z.number().nullable(),
  /** null when the device has no battery (a desktop) or does not say. */
  battery: BatteryStateSchema.nullable(),
  /** iOS and macOS expose no temperature, only ProcessInfo's thermal state; absent elsewhere. */
  thermalState: z.enum(['nominal', 'fair', 'serious', 'critical']).nullable().optional(),
});
export type DeviceSnapshot = z.infer<typeof DeviceSnapshotSchema>;

/** The wait before a job until the device was cool enough (the cooldown gate). */
export const CooldownSchema = z.object({
  thresholdC: z.number(),
  waitedMs: z.number().int().nonnegative(),
  startTemperatureC: z.number().nullable(),
  endTemperatureC: z.number().nullable(),
  /** true when the device was still above the threshold when the gate's time ran out. */
  timedOut: z.boolean(),
});
export type Cooldown = z.infer<typeof CooldownSchema>;

/** The device side of a result's environment: its state before and after the run, and the cooldown. */
export const DeviceRunEnvironmentSchema = z.object({
  /** An emulated device (test and demo infrastructure): the timings are emulation, never device performance. */
  emulated: z.boolean(),
  before: DeviceSnapshotSchema,
  after: DeviceSnapshotSchema,
  cooldown: CooldownSchema.nullable(),
});
export type DeviceRunEnvironment = z.infer<typeof DeviceRunEnvironmentSchema>;

/** A device the agent sees but cannot use or describe yet (adb: the host key is not accepted, or the link is down). */
export const UnreachableDeviceSchema = z.object({
  serial: z.string().min(1).max(200),
  transport: z.enum(['local', 'adb', 'appium']),
  connection: z.enum(['unauthorized', 'offline']),
});
export type UnreachableDevice = z.infer<typeof UnreachableDeviceSchema>;

/** A registered device's live state, sent with each heartbeat. */
export const DeviceLiveStateSchema = z.object({
  deviceId: z.string().uuid(),
  /** Waiting in the cooldown gate before a job. */
  cooling: z.boolean().default(false),
  /** The latest snapshot (phones); omitted when the agent has none. */
  snapshot: DeviceSnapshotSchema.optional(),
});
export type DeviceLiveState = z.infer<typeof DeviceLiveStateSchema>;
