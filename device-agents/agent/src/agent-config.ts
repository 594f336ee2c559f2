/**
 * The agent's configuration, parsed and validated once at start-up into a typed object; nothing
 * else in the agent reads process.env.
 */
import { statSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { queueBackendFromUrls, type QueueBackendConfig } from '@farm/queue';
import type { RunnerSettings } from './runners/runner-settings.js';
import { prlimitProblem, tasksetProblem } from './transports/taskset.js';

const EnvSchema = z.object({
  API_URL: z.string().url('API_URL must be the API base URL, e.g. http://localhost:3000'),
  /** Enrolls the agent once; from then on it uses the credential enrollment gave it, kept in AGENT_DATA_DIR. */
  AGENT_BOOTSTRAP_TOKEN: z.string().min(16, "AGENT_BOOTSTRAP_TOKEN must be the API's AGENT_BOOTSTRAP_TOKEN (at least 16 characters)").optional(),
  /** The former name of AGENT_BOOTSTRAP_TOKEN, still read so existing deployments keep enrolling. */
  AGENT_TOKEN: z.string().min(16, 'AGENT_TOKEN (now AGENT_BOOTSTRAP_TOKEN) must be at least 16 characters').optional(),
  AGENT_NAME: z.string().min(1).max(200).default(hostname()),
  AGENT_DATA_DIR: z.string().default('.farm/agent'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//)
    .optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//)
    .optional(),
  JOB_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(6 * 3600_000)
    .default(30 * 60_000),
  /** How long a job's lock lives without renewal: after a crash the job returns to the queue this much later. */
  LOCK_DURATION_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  OPENCV_RUNNER: z.string().optional(),
  INT8_RUNNER: z.string().optional(),
  /** Phones: host paths of the aarch64 int8-runner and of operator-provided Android arm64 tools (pushed over adb). */
  ANDROID_INT8_RUNNER: z.string().min(1).optional(),
  ANDROID_TFLITE_BENCHMARK_MODEL: z.string().min(1).transform(existingFile('ANDROID_TFLITE_BENCHMARK_MODEL')).optional(),
  ANDROID_ORT_PERF_TEST: z.string().min(1).transform(existingFile('ANDROID_ORT_PERF_TEST')).optional(),
  /** ncnn-runner (device-agents/ncnn-runner/build.sh); unset: its default build path, and ncnn is left out where that is absent. */
  NCNN_RUNNER: z.string().optional(),
  /** The static aarch64 ncnn-runner phones get (device-agents/ncnn-runner/build.sh aarch64); unset: phones offer no ncnn. */
  ANDROID_NCNN_RUNNER: z.string().min(1).optional(),
  /** CPUs every runner process is pinned to, as a taskset list ("1", "2-3", "0,2"); unset: the scheduler decides. */
  RUNNER_CPUS: z
    .string()
    .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'RUNNER_CPUS must be a CPU list such as "1", "2-3" or "0,2"')
    .transform(checkRunnerCpus)
    .optional(),
  /**
   * Memory cap of each runner process on this host, in MiB (RLIMIT_AS via prlimit); 0 = no cap.
   * Default: three quarters of this machine's RAM, so a runaway engine fails its job with an
   * allocation error before the kernel's OOM killer picks the agent or the database.
   */
  RUNNER_MEMORY_LIMIT_MB: z.coerce
    .number()
    .int()
    .min(0)
    .max(16 * 1024 * 1024)
    .optional(),
  /** The adb server Android phones are reached through; on this machine it is started when none runs. */
  ADB_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  ADB_SERVER_PORT: z.coerce.number().int().min(1).max(65535).default(5037),
  /** Android phones over adb: auto = when an adb server answers or `adb` is on PATH; off = desktop only. */
  ANDROID: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Pin phone runners to the fastest cluster (enough of its cores for the threads asked for). */
  ANDROID_BIG_CORES: z.enum(['true', 'false', '1', '0']).default('false'),
  /** The cooldown gate before each phone job: wait until the hottest thermal zone is below this. */
  COOLDOWN_MAX_C: z.coerce.number().min(20).max(120).default(45),
  COOLDOWN_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(6 * 3600_000)
    .default(10 * 60_000),
  COOLDOWN_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** iPhones through Appium: on = start (or attach to) an Appium server and track its devices; off = none. */
  IOS: z.enum(['on', 'off']).default('off'),
  /** Attach to this Appium server; unset with IOS=on: the agent starts one (npm appium) with APPIUM_HOME on APPIUM_PORT. */
  APPIUM_URL: z.string().url().optional(),
  APPIUM_HOME: z.string().min(1).default('.farm/appium-home'),
  APPIUM_PORT: z.coerce.number().int().min(1).max(65535).default(4723),
  /** XCUITest for iPhones; FarmTest for the project's test driver. */
  APPIUM_AUTOMATION_NAME: z.string().min(1).max(100).default('XCUITest'),
  /** Comma-separated UDIDs; unset: `idevice_id -l` (libimobiledevice) lists the USB iPhones. */
  APPIUM_UDIDS: z
    .string()
    .regex(/^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*$/, 'APPIUM_UDIDS must be comma-separated UDIDs')
    .optional(),
  APPIUM_POLL_MS: z.coerce.number().int().min(200).max(600_000).default(5_000),
  /** Extra session capabilities as a JSON object (real iPhones: appium:xcodeOrgId, appium:xcodeSigningId, appium:updatedWDABundleId). */
  APPIUM_CAPABILITIES: z
    .string()
    .transform((text, ctx) => {
      try {
        const v = JSON.parse(text) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'APPIUM_CAPABILITIES must be a JSON object' });
      return z.NEVER;
    })
    .optional(),
  /** macOS only: the command-line Core ML host (farm-coreml-host, device-agents/ios-host) the desktop runs Core ML jobs with. */
  COREML_HOST: z.string().min(1).optional(),
  /** The benchmark host app (device-agents/ios-host): a signed .ipa or .app; in tests the stand-in .app folder. */
  IOS_HOST_APP: z.string().min(1).optional(),
  IOS_HOST_BUNDLE_ID: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/)
    .default('dev.farm.benchmarkhost'),
});

export interface AgentConfig {
  apiUrl: string;
  /** Needed only until the agent has enrolled (its credential is in dataDir). */
  bootstrapToken: string | undefined;
  name: string;
  dataDir: string;
  queue: QueueBackendConfig;
  jobTimeoutMs: number;
  lockDurationMs: number;
  /**
   * What runners need from the configuration, as the one map that travels to them unchanged:
   * binary paths, and `cpus`, the normalised CPU list runners are pinned to (unset: they float).
   */
  runnerSettings: RunnerSettings;
  /** Where the adb server is (ADB_SERVER_HOST, ADB_SERVER_PORT). */
  adbServer: { host: string; port: number };
  android: 'auto' | 'on' | 'off';
  /** iPhones through Appium (null: IOS=off). */
  ios: {
    /** attach: the server at url; start: the agent starts npm appium with home on port (url is then its address). */
    server: { mode: 'attach' | 'start'; url: string; home: string; port: number };
    automationName: string;
    udids: 'idevice_id' | string[];
    pollMs: number;
    capabilities: Record<string, unknown>;
    hostApp: { path: string; bundleId: string };
  } | null;
  /** How phone jobs run: the cooldown gate and big-core pinning. */
  phone: { cooldown: { thresholdC: number; timeoutMs: number; pollMs: number }; bigCores: boolean };
}

export const AGENT_CONFIG = Symbol('AGENT_CONFIG');

/** @param platform the OS the agent runs on (a parameter so the macOS-only settings can be checked anywhere). */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): AgentConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid agent configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  const e = parsed.data;
  if (e.IOS === 'on' && !e.IOS_HOST_APP)
    throw new Error(
      'invalid agent configuration:\n  IOS_HOST_APP: IOS=on needs the benchmark host app (a signed .ipa or .app, see device-agents/ios-host/README.md)',
    );
  if (e.COREML_HOST) coremlHostProblem(e.COREML_HOST, platform);
  return {
    apiUrl: e.API_URL.replace(/\/+$/, ''),
    bootstrapToken: e.AGENT_BOOTSTRAP_TOKEN ?? e.AGENT_TOKEN,
    name: e.AGENT_NAME,
    dataDir: resolve(e.AGENT_DATA_DIR),
    queue: queueBackendFromUrls(e.REDIS_URL, e.DATABASE_URL),
    jobTimeoutMs: e.JOB_TIMEOUT_MS,
    lockDurationMs: e.LOCK_DURATION_MS,
    adbServer: { host: e.ADB_SERVER_HOST, port: e.ADB_SERVER_PORT },
    android: e.ANDROID,
    ios:
      e.IOS === 'on'
        ? {
            server: e.APPIUM_URL
              ? { mode: 'attach', url: e.APPIUM_URL, home: resolve(e.APPIUM_HOME), port: e.APPIUM_PORT }
              : { mode: 'start', url: `http://127.0.0.1:${e.APPIUM_PORT}`, home: resolve(e.APPIUM_HOME), port: e.APPIUM_PORT },
            automationName: e.APPIUM_AUTOMATION_NAME,
            udids: e.APPIUM_UDIDS ? e.APPIUM_UDIDS.split(',') : 'idevice_id',
            pollMs: e.APPIUM_POLL_MS,
            capabilities: e.APPIUM_CAPABILITIES ?? {},
            hostApp: { path: resolve(e.IOS_HOST_APP!), bundleId: e.IOS_HOST_BUNDLE_ID },
          }
        : null,
    phone: {
      cooldown: { thresholdC: e.COOLDOWN_MAX_C, timeoutMs: e.COOLDOWN_TIMEOUT_MS, pollMs: e.COOLDOWN_POLL_MS },
      bigCores: e.ANDROID_BIG_CORES === 'true' || e.ANDROID_BIG_CORES === '1',
    },
    runnerSettings: {
      ...(e.ANDROID_INT8_RUNNER ? { androidInt8RunnerBinary: resolve(e.ANDROID_INT8_RUNNER) } : {}),
      ...(e.OPENCV_RUNNER ? { opencvRunnerBinary: resolve(e.OPENCV_RUNNER) } : {}),
      ...(e.INT8_RUNNER ? { int8RunnerBinary: resolve(e.INT8_RUNNER) } : {}),
      ...(e.ANDROID_TFLITE_BENCHMARK_MODEL ? { androidTfliteBenchmarkModel: e.ANDROID_TFLITE_BENCHMARK_MODEL } : {}),
      ...(e.ANDROID_ORT_PERF_TEST ? { androidOrtPerfTest: e.ANDROID_ORT_PERF_TEST } : {}),
      ...(e.NCNN_RUNNER ? { ncnnRunnerBinary: resolve(e.NCNN_RUNNER) } : {}),
      ...(e.ANDROID_NCNN_RUNNER ? { androidNcnnRunnerBinary: resolve(e.ANDROID_NCNN_RUNNER) } : {}),
      ...(e.COREML_HOST ? { coremlHost: resolve(e.COREML_HOST) } : {}),
      ...(e.RUNNER_CPUS ? { cpus: e.RUNNER_CPUS } : {}),
      ...runnerMemoryLimit(e.RUNNER_MEMORY_LIMIT_MB),
    },
  };
}

/** The configured cap, or the default where prlimit works; an explicit cap prlimit cannot apply fails start-up. */
function runnerMemoryLimit(configured: number | undefined): { memoryLimitMb?: number } {
  if (configured === 0) return {};
  const mb = configured ?? Math.floor((totalmem() * 0.75) / (1024 * 1024));
  const problem = prlimitProblem(mb * 1024 * 1024);
  if (problem === null) return { memoryLimitMb: mb };
  if (configured !== undefined)
    throw new Error(`invalid agent configuration:\n  RUNNER_MEMORY_LIMIT_MB: cannot cap with prlimit (install util-linux, or set 0): ${problem}`);
  return {};
}

/**
 * An operator-provided tool is set on purpose, so a path that is not a file fails start-up rather
 * than every phone job later. Returns the absolute path.
 */
function existingFile(variable: string) {
  return (path: string, ctx: z.RefinementCtx): string => {
    const abs = resolve(path);
    let isFile = false;
    try {
      isFile = statSync(abs).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) {
      ctx.addIssue({ code: 'custom', message: `${variable}: ${abs} is not a file; give the host path of the Android arm64 build, or leave it unset` });
      return z.NEVER;
    }
    return abs;
  };
}

/** Expands a CPU list ("0,2-3") to sorted, distinct CPU numbers; throws on reversed ranges. */
export function parseCpuList(list: string): number[] {
  const set = new Set<number>();
  for (const part of list.split(',')) {
    const [a, b = a] = part.split('-').map(Number) as [number, number?];
    if (b < a) throw new Error(`"${part}" is a reversed range`);
    for (let c = a; c <= b; c++) set.add(c);
  }
  return [...set].sort((x, y) => x - y);
}

/**
 * Pinning only means something if every CPU exists and taskset (util-linux) can apply it, so both
 * are checked at start-up, with the other settings, rather than failing every job later.
 * Returns the list normalised ("0,1,2").
 */
function checkRunnerCpus(list: string, ctx: z.RefinementCtx): string {
  let set: number[];
  try {
    set = parseCpuList(list);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
  const online = cpus().length;
  const missing = set.filter((c) => c >= online);
  if (missing.length) {
    ctx.addIssue({ code: 'custom', message: `CPU ${missing.join(', ')} does not exist; this machine has CPUs 0-${online - 1}` });
    return z.NEVER;
  }
  const problem = tasksetProblem(list);
  if (problem !== null) {
    ctx.addIssue({ code: 'custom', message: `cannot pin with taskset (install util-linux): ${problem}` });
    return z.NEVER;
  }
  return set.join(',');
}

export const AGENT_VERSION = '0.1.0';

/** Core ML exists on macOS only, and the host must be a program there: anything else fails start-up, naming the setting. */
function coremlHostProblem(path: string, platform: NodeJS.Platform): void {
  const fail = (why: string) => {
    throw new Error(`invalid agent configuration:\n  COREML_HOST: ${why}`);
  };
  if (platform !== 'darwin') fail(`the Core ML host runs on macOS only, and this agent runs on ${platform}; unset COREML_HOST`);
  let st;
  try {
    st = statSync(path);
  } catch {
    return fail(`${path} does not exist; build farm-coreml-host (device-agents/ios-host/README.md) and point COREML_HOST at it`);
  }
  if (!st.isFile() || (st.mode & 0o111) === 0) fail(`${path} is not an executable file`);
}
