import { z } from 'zod';
import { FRAMEWORKS, PLATFORMS } from './frameworks.js';
import { UnreachableDeviceSchema } from './device-state.schema.js';

export const FrameworkAvailabilitySchema = z.object({
  framework: z.enum(FRAMEWORKS),
  version: z.string(),
});
export type FrameworkAvailability = z.infer<typeof FrameworkAvailabilitySchema>;

/** A device as its agent sees it. serial is unique per agent (hostname for the desktop itself, adb serial, iOS udid). */
export const DeviceReportSchema = z.object({
  serial: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  platform: z.enum(PLATFORMS),
  transport: z.enum(['local', 'adb', 'appium']),
  cpuModel: z.string(),
  soc: z.string().nullable(),
  /** null when the device does not say (never guessed). */
  cores: z.number().int().positive().nullable(),
  ramBytes: z.number().int().positive().nullable(),
  osVersion: z.string(),
  abi: z.string(),
  /** Per-core top frequency, where the device exposes it (cpufreq). */
  coreMaxFreqMHz: z.array(z.number().nonnegative()).max(1024).optional(),
  /** An emulated device (test and demo infrastructure): its timings are emulation, never device performance. */
  emulated: z.boolean().optional(),
  frameworks: z.array(FrameworkAvailabilitySchema),
});
export type DeviceReport = z.infer<typeof DeviceReportSchema>;

export const AgentRegisterSchema = z
  .object({
    name: z.string().min(1).max(200),
    hostname: z.string(),
    version: z.string(),
    devices: z.array(DeviceReportSchema),
    /**
     * Devices seen but not usable (unauthorized, offline): listed so users see them and why. An agent
     * registers again, with its whole current list, whenever a device comes, goes or changes state.
     */
    unreachable: z.array(UnreachableDeviceSchema).max(256).default([]),
  })
  .meta({ id: 'AgentRegisterRequest' });
export type AgentRegister = z.infer<typeof AgentRegisterSchema>;

export const AgentRegisteredSchema = z
  .object({
    agentId: z.string(),
    devices: z.array(z.object({ id: z.string(), serial: z.string(), queue: z.string() })),
    heartbeatIntervalMs: z.number().int().positive(),
  })
  .meta({ id: 'AgentRegistered' });
export type AgentRegistered = z.infer<typeof AgentRegisteredSchema>;

/** cooling: waiting in the cooldown gate before a job; unauthorized: adb sees it but the host key is not accepted on the phone. */
export const DEVICE_STATUSES = ['online', 'busy', 'cooling', 'offline', 'unauthorized'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];
