// Per-layer row ingest through the real API path: an API process on a fresh database, results
// delivered as an agent delivers them (PUT /agent/jobs/:id/result, JSON, validated, stored with
// one INSERT ... SELECT FROM UNNEST per result in one transaction with the job and run status).
// Seed: one real ONNX Runtime measurement of BlazeFace (its per-layer profile: 118 layers),
// repeated with numbered names to LAYERS layers per result, made before the clock starts; the
// timed part is the deliveries alone. Prints rows/s and the per-delivery median.
//   bash bench/ingest/run.sh [--jobs 64] [--layers 20000] [--concurrency 4]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runIsolated } from '@farm/agent/host/run-isolated';
import { benchDatabase, ROOT, startBenchApi } from '../lib/farm-api.mjs';

const { values: args } = parseArgs({
  options: { jobs: { type: 'string', default: '64' }, layers: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '4' } },
});
const JOBS = Number(args.jobs);
const LAYERS = Number(args.layers);
const CONCURRENCY = Number(args.concurrency);

const api = await startBenchApi(await benchDatabase('ingest_bench'), {
  HEARTBEAT_INTERVAL_MS: '600000',
  RUN_RATE_LIMIT: '100000',
  UPLOAD_RATE_LIMIT: '100000',
});
const { base, key, token, artifactDir } = api;
try {
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
  api.stop();
}
