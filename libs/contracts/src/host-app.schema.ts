/**
 * The benchmark host app's contract (device-agents/ios-host/CONTRACT.md): the program an iPhone
 * (an iOS app launched through Appium) or a Mac (a command-line tool run by the local transport)
 * runs to benchmark a model. It is the native-runner contract (native-runner.schema.ts) plus what
 * an app needs and Core ML gives:
 * - an app has no stdout, stderr or exit status its launcher can read, so it writes them as files
 *   in an exec directory the launcher names (`--farm-exec`), the exit file last;
 * - an .mlpackage is a directory, so it arrives as its files (`--package-entry`) and is rebuilt;
 * - Core ML's MLComputePlan gives each op's estimated cost and compute unit, not its time: layer
 *   times are the cost share of the measured median, marked estimated;
 * - iOS reports a thermal state (not a temperature) and the battery level and state.
 * The report names the engine that really ran (`engine`), so a stand-in host used in tests can
 * never pass for Core ML.
 */
import { z } from 'zod';
import { COMPUTE_UNITS } from './benchmark-options.schema.js';
import { FRAMEWORKS } from './frameworks.js';
import { LAYER_BASES } from './layer-sum.js';
import { NativeRunnerReportSchema, NativeRunnerVersionSchema } from './native-runner.schema.js';
import { LayerSamplesSchema } from './result.schema.js';

export const HOST_APP_CONTRACT_VERSION = 1;

/** The launch arguments beyond the native-runner ones. */
export const HOST_APP_ARGS = {
  /** Container path of the exec directory: the host writes stdout, stderr, then exit there. */
  exec: '--farm-exec',
  /** Repeated: RELPATH:PATH, one file of an .mlpackage and where it was pushed. */
  packageEntry: '--package-entry',
  computeUnits: '--compute-units',
} as const;

/** The files the host writes in its exec directory; `exit` (the decimal exit status) is written last, by rename. */
export const HOST_APP_EXEC_FILES = { stdout: 'stdout', stderr: 'stderr', exit: 'exit' } as const;

/** ProcessInfo.ThermalState. */
export const THERMAL_STATES = ['nominal', 'fair', 'serious', 'critical'] as const;
export type ThermalState = (typeof THERMAL_STATES)[number];

/** UIDevice.BatteryState (macOS without a battery: unknown, level null). */
export const BATTERY_STATES = ['unknown', 'unplugged', 'charging', 'full'] as const;

export const HostDeviceStateSchema = z.object({
  thermalState: z.enum(THERMAL_STATES),
  batteryLevelPercent: z.number().min(0).max(100).nullable(),
  batteryState: z.enum(BATTERY_STATES),
});
export type HostDeviceState = z.infer<typeof HostDeviceStateSchema>;

/** MLComputeDevice kinds, as MLComputePlan names where an op is preferred to run. */
export const COMPUTE_UNIT_KINDS = ['cpu', 'gpu', 'neuralEngine', 'unknown'] as const;

export const HostAppVersionSchema = NativeRunnerVersionSchema.extend({
  /** The framework whose engine this host runs: coreml for the real app; a test stand-in names its real engine. */
  engine: z.enum(FRAMEWORKS),
  contract: z.literal(HOST_APP_CONTRACT_VERSION),
});
export type HostAppVersion = z.infer<typeof HostAppVersionSchema>;

export const HostAppLayerSchema = z.object({
  name: z.string(),
  opType: z.string(),
  timeMs: z.number().nonnegative(),
  /** true: the time is the op's share of MLComputePlan's estimated cost times the measured median, not a measurement. */
  estimated: z.boolean(),
  /** Where Core ML prefers to run the op (MLComputePlan); unknown when the host could not tell. */
  computeUnit: z.enum(COMPUTE_UNIT_KINDS),
  /** The op's estimated cost weight (0..1) from MLComputePlan, when there is one. */
  costWeight: z.number().min(0).max(1).nullable(),
  /** Measured layers only (never estimated ones): the layer's time in each profiled run. */
  samplesMs: LayerSamplesSchema.optional(),
});
export type HostAppLayer = z.infer<typeof HostAppLayerSchema>;

export const HostAppReportSchema = NativeRunnerReportSchema.extend({
  engine: z.enum(FRAMEWORKS),
  contract: z.literal(HOST_APP_CONTRACT_VERSION),
  /** The compute units the model was loaded with (coreml); null for an engine without them. */
  computeUnits: z.enum(COMPUTE_UNITS).nullable(),
  layers: z.array(HostAppLayerSchema),
  /** "estimated" when the layer times come from MLComputePlan's cost shares (the host says why in note). */
  layerBasis: z.object({ basis: z.enum(LAYER_BASES), note: z.string().max(500).optional() }).optional(),
  /** The OS the host ran on ("iOS 17.5", "macOS 14.4"), and the device model identifier ("iPhone15,2"). */
  os: z.string(),
  deviceModel: z.string(),
  deviceBefore: HostDeviceStateSchema,
  deviceAfter: HostDeviceStateSchema,
});
export type HostAppReport = z.infer<typeof HostAppReportSchema>;
