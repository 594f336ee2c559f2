/**
 * Starts the real farm for tests: a fresh database (migrated) on the Postgres server the test
 * script started, the API and agents as separate processes exactly as in production, over the
 * Redis or the PostgreSQL queue backend. Nothing here is a mock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through "npm test" (scripts/test.sh starts Postgres and Redis and sets it)`);
  return v;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

/** A new database on the test server with the project's migrations applied. */
export async function createTestDatabase(prefix: string): Promise<string> {
  const admin = new URL(requireEnv('TEST_PG_URL'));
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const migrate = (await import(pathToFileURL(join(ROOT, 'scripts/db/migrate.mjs')).href)) as { applyMigrations(url: string): Promise<string[]> };
  await migrate.applyMigrations(url.toString());
  return url.toString();
}

export async function sql<T = Record<string, unknown>>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export interface Proc {
  proc: ChildProcess;
  log: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function startProcess(script: string, env: Record<string, string>): Proc {
  const proc = spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  return {
    proc,
    log: () => out,
    kill: (signal = 'SIGTERM') =>
      new Promise<void>((res) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return res();
        proc.once('exit', () => res());
        proc.kill(signal);
      }),
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const t0 = Date.now();
  let lastErr: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
}

export interface ApiHandle extends Proc {
  url: string;
  databaseUrl: string;
  artifactDir: string;
  token: string;
}

export async function startApi(opts: { databaseUrl: string; redisUrl?: string; env?: Record<string, string>; port?: number; artifactDir?: string; token?: string }): Promise<ApiHandle> {
  const port = opts.port ?? (await freePort());
  const artifactDir = opts.artifactDir ?? mkdtempSync(join(tmpdir(), 'farm-artifacts-'));
  const token = opts.token ?? randomBytes(24).toString('hex');
  const env: Record<string, string> = {
    PORT: String(port),
    DATABASE_URL: opts.databaseUrl,
    ARTIFACT_DIR: artifactDir,
    AGENT_BOOTSTRAP_TOKEN: token,
    HEARTBEAT_INTERVAL_MS: '1000',
    JOB_BACKOFF_MS: '500',
    RECONCILE_INTERVAL_MS: '2000',
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : { REDIS_URL: '' }),
    ...opts.env,
  };
  if (!opts.redisUrl) delete env.REDIS_URL;
  const p = startProcess(join(ROOT, 'apps/api/dist/main.js'), env);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the API to answer /health', async () => {
    if (p.proc.exitCode !== null) throw new Error(`API exited: ${p.log()}`);
    return (await fetch(`${url}/health`)).ok;
  }, 60_000);
  return { ...p, url, databaseUrl: opts.databaseUrl, artifactDir, token };
}

export interface AgentHandle extends Proc {
  dataDir: string;
}

export async function startAgent(api: { url: string; token: string; databaseUrl: string }, opts: { redisUrl?: string; dataDir?: string; name?: string; env?: Record<string, string> } = {}): Promise<AgentHandle> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'farm-agent-'));
  const env: Record<string, string> = {
    API_URL: api.url,
    AGENT_TOKEN: api.token,
    AGENT_NAME: opts.name ?? `test-agent-${randomUUID().slice(0, 8)}`,
    AGENT_DATA_DIR: dataDir,
    DATABASE_URL: api.databaseUrl,
    LOCK_DURATION_MS: '4000',
    OPENCV_RUNNER: join(ROOT, 'device-agents/opencv-runner/build/opencv_runner'),
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...opts.env,
  };
  const p = startProcess(join(ROOT, 'device-agents/agent/dist/main.js'), env);
  await waitFor('the agent to consume its device queue', async () => {
    if (p.proc.exitCode !== null) throw new Error(`agent exited: ${p.log()}`);
    return /consuming device\./.test(p.log());
  }, 90_000);
  return { ...p, dataDir };
}

export async function api<T = any>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: res.status, body: parsed as T };
}

/** Registers one local device the way an agent does (it offers only ONNX Runtime); returns its id. */
export async function registerDevice(h: { url: string; token: string }, serial: string): Promise<string> {
  const reg = await fetch(`${h.url}/agent/register`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `${serial}-agent`,
      hostname: `${serial}-host`,
      version: 'test',
      devices: [{ serial, name: `${serial} device`, platform: 'linux', transport: 'local', cpuModel: 'x', soc: null, cores: 2, ramBytes: 1 << 30, osVersion: 'linux', abi: 'x64', frameworks: [{ framework: 'onnxruntime', version: '1.30.0' }] }],
    }),
  });
  if (reg.status !== 200) throw new Error(`agent registration answered ${reg.status}: ${await reg.text()}`);
  return ((await reg.json()) as { devices: { id: string }[] }).devices[0]!.id;
}

export async function upload(base: string, path: string, fields: Record<string, string> = {}, fileName?: string): Promise<{ status: number; body: any }> {
  return uploadBytes(base, readFileSync(path), fileName ?? path.split('/').pop()!, fields);
}

export async function uploadBytes(base: string, bytes: Uint8Array, fileName: string, fields: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), fileName);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await fetch(`${base}/models`, { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

export const SAMPLE = {
  onnx: join(ROOT, '.cache/models/blazeface_front_128.onnx'),
  tflite: join(ROOT, '.cache/models/face_detection_short_range.tflite'),
};

/** Polls a run until no job is queued or running. */
export async function waitForRun(base: string, runId: string, timeoutMs = 180_000): Promise<any> {
  return waitFor(`run ${runId} to finish`, async () => {
    const r = await api(base, 'GET', `/benchmarks/${runId}`);
    return ['succeeded', 'partial', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
  }, timeoutMs, 500);
}
