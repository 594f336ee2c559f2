// Per-layer row ingest through the real API path: an API process on a fresh database, results
// delivered as an agent delivers them (PUT /agent/jobs/:id/result, JSON, validated, stored with
// one INSERT ... SELECT FROM UNNEST per result in one transaction with the job and run status).
// Seed: one real ONNX Runtime measurement of BlazeFace (its per-layer profile: 118 layers),
// repeated with numbered names to LAYERS layers per result, made before the clock starts; the
// timed part is the deliveries alone. Prints rows/s and the per-delivery median.
//   bash bench/ingest/run.sh [--jobs 64] [--layers 20000] [--concurrency 4]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runIsolated } from '@farm/agent/host/run-isolated';
import { applyMigrations } from '../../scripts/db/migrate.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({
  options: { jobs: { type: 'string', default: '64' }, layers: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '4' } },
});
const JOBS = Number(args.jobs);
const LAYERS = Number(args.layers);
const CONCURRENCY = Number(args.concurrency);

const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });

const admin = new URL(process.env.TEST_PG_URL);
const db = new URL(admin);
db.pathname = `/ingest_bench_${randomBytes(4).toString('hex')}`;
await applyMigrations(db.toString());
const port = await freePort();
const token = randomBytes(24).toString('hex');
const key = `fk_${randomBytes(32).toString('base64url')}`;
const artifactDir = mkdtempSync(join(tmpdir(), 'ingest-bench-'));
const api = spawn(process.execPath, [join(ROOT, 'apps/api/dist/main.js')], {
  env: {
    ...process.env,
    PORT: String(port),
    DATABASE_URL: db.toString(),
    REDIS_URL: process.env.TEST_REDIS_URL,
    ARTIFACT_DIR: artifactDir,
    AGENT_BOOTSTRAP_TOKEN: token,
    FARM_ADMIN_KEY: key,
    HEARTBEAT_INTERVAL_MS: '600000',
    RUN_RATE_LIMIT: '100000',
    UPLOAD_RATE_LIMIT: '100000',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 240) throw new Error('the API did not come up');
    await new Promise((r) => setTimeout(r, 250));
  }
  const call = async (method, path, body, auth = key) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  const enrolled = await call('POST', '/agent/enroll', { name: 'bench-agent', hostname: 'bench', version: 'bench' }, token);
  const agent = enrolled.credential;
  const reg = await call(
    'POST',
    '/agent/register',
    {
      name: 'bench-agent',
      hostname: 'bench',
      version: 'bench',
      devices: [
        {
          serial: 'bench-1',
          name: 'bench device',
          platform: 'linux',
          transport: 'local',
          cpuModel: 'x',
          soc: null,
          cores: 2,
          ramBytes: 1 << 30,
          osVersion: 'linux',
          abi: 'x64',
          frameworks: [{ framework: 'onnxruntime', version: '1.30.0' }],
        },
      ],
    },
    agent,
  );
  const deviceId = reg.devices[0].id;
  const form = new FormData();
  form.append('file', new Blob([readFileSync(join(ROOT, '.cache/models/blazeface_front_128.onnx'))]), 'blazeface_front_128.onnx');
  const up = await (await fetch(`${base}/models`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } })).json();
  const artifact = up.model.artifacts[0];
  const measured = await runIsolated('onnxruntime', {
    modelPath: join(artifactDir, artifact.sha256.slice(0, 2), artifact.sha256),
    inputs: artifact.inputs,
    outputs: artifact.outputs,
    options: { threads: 1, warmupRuns: 1, timedRuns: 10, profileRuns: 1 },
  });
  const real = measured.layers;
  const layers = Array.from({ length: LAYERS }, (_, i) => ({
    ...real[i % real.length],
    name: `${real[i % real.length].name}#${Math.floor(i / real.length)}`,
    opClass: 'other',
  }));
  const jobIds = [];
  while (jobIds.length < JOBS) {
    const n = Math.min(16, JOBS - jobIds.length);
    const run = await call('POST', '/benchmarks', {
      modelId: up.model.id,
      targets: { deviceIds: [deviceId] },
      options: Array.from({ length: n }, (_, i) => ({ timedRuns: 10 + jobIds.length + i })),
    });
    for (const j of (await call('GET', `/benchmarks/${run.runId}`)).jobs) jobIds.push(j.id);
  }
  for (const id of jobIds) await call('POST', `/agent/jobs/${id}/started`, { attempt: 1, startedAt: new Date().toISOString() }, agent);
  const bodies = jobIds.map((jobId) =>
    JSON.stringify({
      jobId,
      attempt: 1,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      output: { ...measured, layers },
      environment: {
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
      },
    }),
  );
  const each = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const s = performance.now();
        const r = await fetch(`${base}/agent/jobs/${jobIds[i]}/result`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
          body: bodies[i],
        });
        if (r.status !== 201) throw new Error(`result ${i}: ${r.status} ${await r.text()}`);
        each.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  each.sort((a, b) => a - b);
  const rows = JOBS * LAYERS;
  console.log(
    `${JOBS} results x ${LAYERS} layers = ${rows} layer rows in ${seconds.toFixed(2)} s with ${CONCURRENCY} deliveries at a time: ${Math.round(rows / seconds)} rows/s; per delivery median ${each[each.length >> 1].toFixed(0)} ms, max ${each[each.length - 1].toFixed(0)} ms (body ${(bodies[0].length / 1048576).toFixed(1)} MiB)`,
  );
} finally {
  api.kill();
}
