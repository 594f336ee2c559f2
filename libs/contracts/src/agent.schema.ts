import { z } from 'zod';
import { FRAMEWORKS, PLATFORMS } from './frameworks.js';

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
  cores: z.number().int().positive(),
  ramBytes: z.number().int().positive(),
  osVersion: z.string(),
  abi: z.string(),
  /** Per-core top frequency, where the device exposes it (cpufreq). */
  coreMaxFreqMHz: z.array(z.number().nonnegative()).max(1024).optional(),
  /** An emulated device (test and demo infrastructure): its timings are emulation, never device performance. */
  emulated: z.boolean().optional(),
  frameworks: z.array(FrameworkAvailabilitySchema),
});
export type DeviceReport = z.infer<typeof DeviceReportSchema>;

export const AgentRegisterSchema = z.object({
  name: z.string().min(1).max(200),
  hostname: z.string(),
  version: z.string(),
  devices: z.array(DeviceReportSchema),
});
export type AgentRegister = z.infer<typeof AgentRegisterSchema>;

export const AgentRegisteredSchema = z.object({
  agentId: z.string(),
  devices: z.array(z.object({ id: z.string(), serial: z.string(), queue: z.string() })),
  heartbeatIntervalMs: z.number().int().positive(),
});
export type AgentRegistered = z.infer<typeof AgentRegisteredSchema>;

export const DEVICE_STATUSES = ['online', 'busy', 'offline'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];
