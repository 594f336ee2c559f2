// Per-layer row ingest through the real API path: an API process on a fresh database, results
// delivered as an agent delivers them (PUT /agent/jobs/:id/result, JSON, validated, stored with
// one INSERT ... SELECT FROM UNNEST per result in one transaction with the job and run status).
// Seed: one real ONNX Runtime measurement of BlazeFace (its per-layer profile: 118 layers),
// repeated with numbered names to LAYERS layers per result, made before the clock starts; the
// timed part is the deliveries alone. Prints rows/s and the per-delivery median.
//   bash bench/ingest/run.sh [--jobs 64] [--layers 20000] [--concurrency 4]
import { parseArgs } from 'node:util';
import { apiCall, BENCH_ENVIRONMENT, benchAgent, benchDatabase, measuredBlazeface, startBenchApi } from '../lib/farm-api.mjs';

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
const { base } = api;
try {
  const call = (method, path, body, auth) => apiCall(api, method, path, body, auth);
  const { agent, devices } = await benchAgent(api, 'bench-agent', 1);
  const deviceId = devices[0].id;
  const { model, measured } = await measuredBlazeface(api);
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
      modelId: model.id,
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
      environment: BENCH_ENVIRONMENT,
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
