/**
 * The farm's server-side configuration, parsed and validated once at start-up by the API and by
 * the worker (apps/worker), which share the services that read it. Nothing else reads process.env:
 * services receive this typed object through the APP_CONFIG token. Settings one process does not
 * use (PORT in the worker, CONVERSION_* in the API) are validated all the same, so both processes
 * of one deployment accept the same environment.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { queueBackendFromUrls, type QueueBackendConfig } from '@farm/queue';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '@farm/model-inspect';
import { WebhookSchema, type Webhook } from '@farm/contracts';

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// URL')
    .optional(),
  ARTIFACT_DIR: z.string().default('.farm/artifacts'),
  MAX_MODEL_MB: z.coerce.number().positive().max(2000).default(256),
  // Uploads are inspected in a child process with these caps (see ModelInspector).
  MODEL_INSPECT_HEAP_MB: z.coerce.number().int().min(32).max(16_384).default(512),
  MODEL_INSPECT_TIMEOUT_MS: z.coerce.number().int().min(200).max(600_000).default(30_000),
  MODEL_INSPECT_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  MODEL_MAX_NODES: z.coerce.number().int().min(1).max(10_000_000).default(DEFAULT_PARSE_LIMITS.maxNodes),
  MODEL_MAX_GRAPH_DEPTH: z.coerce.number().int().min(0).max(1_000).default(DEFAULT_PARSE_LIMITS.maxGraphDepth),
  // Bytes of all inputs of one inference, from declared shapes and dtypes (plus inputShapes).
  BENCHMARK_MAX_INPUT_MB: z.coerce.number().positive().max(1_048_576).default(1024),
  AGENT_BOOTSTRAP_TOKEN: z.string().min(16, 'AGENT_BOOTSTRAP_TOKEN must be at least 16 characters').optional(),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(200).max(600_000).default(5_000),
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  JOB_BACKOFF_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  /** A device whose agent has been silent this long has its unfinished jobs failed (DEVICE_ABANDONED), so runs can end. */
  JOB_ABANDON_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(30 * 86_400_000)
    .default(3_600_000),
  WEB_DIR: z.string().optional(),
  /** An admin key (read, write, admin) the API makes sure exists: how a new farm gets its first key. */
  FARM_ADMIN_KEY: z.string().min(24, 'FARM_ADMIN_KEY must be at least 24 characters (e.g. fk_ and 32 random bytes, base64url)').optional(),
  /** open: GETs need no key; key: they need a key with read scope. Default: open only when HOST is loopback. */
  READ_ACCESS: z.enum(['open', 'key']).optional(),
  CONTRACT_CHECK: z.enum(['0', '1']).default('0'),
  /** Per key (or per client address without one), per RATE_WINDOW_S. */
  UPLOAD_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(30),
  RUN_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(60),
  RATE_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(60),
  /** A benchmark request that expands to more jobs than this is refused (422 TOO_MANY_JOBS). */
  MAX_JOBS_PER_REQUEST: z.coerce.number().int().min(1).max(100_000).default(256),
  /** Calibration inputs a conversion may allocate (checked at request time and again in the worker). */
  MAX_CALIBRATION_MB: z.coerce.number().positive().max(4096).default(128),
  /** Address-space cap (RLIMIT_AS, through prlimit) of a conversion's child process; its V8 heap gets half. */
  CONVERSION_MEMORY_MB: z.coerce
    .number()
    .int()
    .min(1536, 'CONVERSION_MEMORY_MB below 1536 leaves Node and ONNX Runtime no room to start')
    .max(65536)
    .default(3072),
  CONVERSION_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(600_000),
  /** Child starts per conversion: a crash (a killed child, a lost worker) is retried; a model the quantizer refuses is not. */
  CONVERSION_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(2),
  /**
   * Webhooks every confirmed regression is posted to (besides a suite's own): comma-separated
   * http(s) URLs, each optionally prefixed "slack:" (a Slack-compatible body) or "json:" (the default).
   */
  ALERT_WEBHOOKS: z.string().default(''),
  ALERT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  /** Deliveries per alert (the first and the retries), with exponential backoff from ALERT_BACKOFF_MS. */
  ALERT_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  ALERT_BACKOFF_MS: z.coerce.number().int().min(0).max(600_000).default(2_000),
});

/** "slack:https://..." or "json:https://..." or a bare URL (json); throws with the offending entry. */
export function parseAlertWebhooks(value: string): Webhook[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^(slack|json):(.*)$/.exec(entry);
      const parsed = WebhookSchema.safeParse({ url: m ? m[2] : entry, format: m ? m[1] : 'json' });
      if (!parsed.success)
        throw new Error(`invalid API configuration:\n  ALERT_WEBHOOKS: "${entry}" is not an http(s) URL (optionally prefixed slack: or json:)`);
      return parsed.data;
    });
}

/** Only this machine can reach a server bound to these. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string;
  queue: QueueBackendConfig;
  artifactDir: string;
  maxModelBytes: number;
  /** Caps on the child process that inspects an upload, and the parse limits it applies. */
  inspect: { heapMb: number; timeoutMs: number; concurrency: number; limits: Partial<ParseLimits> };
  /** Largest total input bytes of one inference a benchmark may ask for (also capped by the device's RAM). */
  maxInputBytes: number;
  agentBootstrapToken: string | undefined;
  heartbeatIntervalMs: number;
  /** A device is offline when no heartbeat came for this long. */
  offlineAfterMs: number;
  jobAttempts: number;
  jobBackoffMs: number;
  reconcileIntervalMs: number;
  /** Silence after which a device's unfinished jobs are failed by the reconciler. */
  abandonAfterMs: number;
  webDir: string | undefined;
  adminKey: string | undefined;
  /** Whether GET endpoints need a key with read scope. */
  readsNeedKey: boolean;
  /** Test stacks: every JSON answer is checked against its route contract; a mismatch becomes 500 CONTRACT_VIOLATION. */
  contractCheck: boolean;
  rateLimits: { windowMs: number; uploads: number; runs: number };
  maxJobsPerRequest: number;
  maxCalibrationBytes: number;
  conversion: { memoryBytes: number; heapMb: number; timeoutMs: number; attempts: number };
  /** Outbound alert webhooks (ALERT_*): posted by the worker, never fetched from. */
  alerts: { webhooks: Webhook[]; timeoutMs: number; attempts: number; backoffMs: number };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid API configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.MAX_CALIBRATION_MB * 2 > e.CONVERSION_MEMORY_MB / 2) {
    throw new Error(
      `invalid API configuration:\n  MAX_CALIBRATION_MB (${e.MAX_CALIBRATION_MB}) must be at most a quarter of CONVERSION_MEMORY_MB (${e.CONVERSION_MEMORY_MB}): calibration inputs live in the child's heap (half its memory) next to the activations they produce`,
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    queue: queueBackendFromUrls(e.REDIS_URL, e.DATABASE_URL),
    artifactDir: resolve(e.ARTIFACT_DIR),
    maxModelBytes: Math.round(e.MAX_MODEL_MB * 1024 * 1024),
    inspect: {
      heapMb: e.MODEL_INSPECT_HEAP_MB,
      timeoutMs: e.MODEL_INSPECT_TIMEOUT_MS,
      concurrency: e.MODEL_INSPECT_CONCURRENCY,
      limits: { maxNodes: e.MODEL_MAX_NODES, maxGraphDepth: e.MODEL_MAX_GRAPH_DEPTH },
    },
    maxInputBytes: Math.round(e.BENCHMARK_MAX_INPUT_MB * 1024 * 1024),
    agentBootstrapToken: e.AGENT_BOOTSTRAP_TOKEN,
    heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
    offlineAfterMs: e.HEARTBEAT_INTERVAL_MS * 3,
    jobAttempts: e.JOB_ATTEMPTS,
    jobBackoffMs: e.JOB_BACKOFF_MS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    abandonAfterMs: e.JOB_ABANDON_AFTER_MS,
    webDir: e.WEB_DIR ? resolve(e.WEB_DIR) : undefined,
    adminKey: e.FARM_ADMIN_KEY,
    // A loopback-only API is reachable by local users alone, and a web page of another origin cannot
    // read its answers (no CORS), so reads may stay open there; anywhere else they need a key.
    readsNeedKey: (e.READ_ACCESS ?? (isLoopbackHost(e.HOST) ? 'open' : 'key')) === 'key',
    contractCheck: e.CONTRACT_CHECK === '1',
    rateLimits: { windowMs: e.RATE_WINDOW_S * 1000, uploads: e.UPLOAD_RATE_LIMIT, runs: e.RUN_RATE_LIMIT },
    maxJobsPerRequest: e.MAX_JOBS_PER_REQUEST,
    maxCalibrationBytes: Math.round(e.MAX_CALIBRATION_MB * 1024 * 1024),
    conversion: {
      memoryBytes: e.CONVERSION_MEMORY_MB * 1024 * 1024,
      heapMb: Math.floor(e.CONVERSION_MEMORY_MB / 2),
      timeoutMs: e.CONVERSION_TIMEOUT_MS,
      attempts: e.CONVERSION_ATTEMPTS,
    },
    alerts: { webhooks: parseAlertWebhooks(e.ALERT_WEBHOOKS), timeoutMs: e.ALERT_TIMEOUT_MS, attempts: e.ALERT_ATTEMPTS, backoffMs: e.ALERT_BACKOFF_MS },
  };
}
