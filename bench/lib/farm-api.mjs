// A fresh, migrated database on the test Postgres and a real API process on it, for the benches
// that go through the API (bench/ingest, bench/compare). Needs TEST_PG_URL and TEST_REDIS_URL
// (bench/lib/test-services.sh) and a build (apps/api/dist).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations } from '../../scripts/db/migrate.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

/** A fresh database with the migrations applied (only those through `migrationsThrough` when given). */
export async function benchDatabase(prefix, migrationsThrough) {
  const db = new URL(process.env.TEST_PG_URL);
  db.pathname = `/${prefix}_${randomBytes(4).toString('hex')}`;
  await applyMigrations(db.toString(), { through: migrationsThrough });
  return db.toString();
}

/** Starts the API on databaseUrl (mainJs: another build of it); resolves once /health answers 200. */
export async function startBenchApi(databaseUrl, env = {}, mainJs = join(ROOT, 'apps/api/dist/main.js')) {
  const port = await freePort();
  const key = `fk_${randomBytes(32).toString('base64url')}`;
  const token = randomBytes(24).toString('hex');
  const artifactDir = mkdtempSync(join(tmpdir(), 'bench-artifacts-'));
  const proc = spawn(process.execPath, [resolve(mainJs)], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: process.env.TEST_REDIS_URL,
      ARTIFACT_DIR: artifactDir,
      AGENT_BOOTSTRAP_TOKEN: token,
      FARM_ADMIN_KEY: key,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 240) throw new Error('the API did not come up');
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base, key, token, artifactDir, stop: () => proc.kill() };
}

/** A JSON call to the API as `auth` (the admin key unless given); throws with the status on a non-2xx. */
export async function apiCall(api, method, path, body, auth = api.key) {
  const r = await fetch(`${api.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw Object.assign(new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`), { status: r.status });
  return text ? JSON.parse(text) : null;
}

/** Enrolls one agent and registers `devices` desktop devices (ONNX Runtime) under it: { agent (its credential), devices }. */
export async function benchAgent(api, name, devices) {
  const agent = (await apiCall(api, 'POST', '/agent/enroll', { name, hostname: 'bench', version: 'bench' }, api.token)).credential;
  const device = (i) => ({
    serial: `${name}-${i}`,
    name: devices === 1 ? 'bench device' : `bench device ${i}`,
    platform: 'linux',
    transport: 'local',
    cpuModel: 'x',
    soc: null,
    cores: 2,
    ramBytes: 1 << 30,
    osVersion: 'linux',
    abi: 'x64',
    frameworks: [{ framework: 'onnxruntime', version: '1.30.0' }],
  });
  const reg = await apiCall(
    api,
    'POST',
    '/agent/register',
    { name, hostname: 'bench', version: 'bench', devices: Array.from({ length: devices }, (_, i) => device(i)) },
    agent,
  );
  return { agent, devices: reg.devices };
}

/** The environment every bench result reports. */
export const BENCH_ENVIRONMENT = {
  os: 'Linux',
  osRelease: 'x',
  arch: 'x64',
  cpuModel: 'x',
  cores: 2,
  cpuGovernor: null,
  cpuFreqMHz: null,
  temperatureC: null,
  agentVersion: 'bench',
  runtimeVersion: process.version,
};

/**
 * Uploads BlazeFace and measures it once for real with ONNX Runtime (its latencies and per-layer
 * profile, 118 layers), as a bench's seed output: { model, artifact, measured }.
 */
export async function measuredBlazeface(api) {
  const { runIsolated } = await import('@farm/agent/host/run-isolated');
  const form = new FormData();
  form.append('file', new Blob([readFileSync(join(ROOT, '.cache/models/blazeface_front_128.onnx'))]), 'blazeface_front_128.onnx');
  const up = await (await fetch(`${api.base}/models`, { method: 'POST', body: form, headers: { authorization: `Bearer ${api.key}` } })).json();
  const artifact = up.model.artifacts[0];
  const measured = await runIsolated('onnxruntime', {
    modelPath: join(api.artifactDir, artifact.sha256.slice(0, 2), artifact.sha256),
    inputs: artifact.inputs,
    outputs: artifact.outputs,
    options: { threads: 1, warmupRuns: 1, timedRuns: 10, profileRuns: 1 },
  });
  return { model: up.model, artifact, measured };
}
