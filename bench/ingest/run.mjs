// Per-layer row ingest through the real API path: an API process on a fresh database, results
// delivered as an agent delivers them (PUT /agent/jobs/:id/result, JSON, validated, stored with
// the result row, its layers (one COPY), the job and the run status in one transaction).
// Seed: one real ONNX Runtime measurement of BlazeFace (its per-layer profile: 118 layers),
// repeated with numbered names to LAYERS layers per result, made before the clock starts; the
// timed part is the deliveries alone. Prints rows/s and the per-delivery median.
// With --baseline (an earlier API build, made by bench/compare/baseline.sh REV), a second API
// process runs that build on its own fresh database on the same Postgres (with that build's schema:
// the migrations through the one named in last-migration beside its dist/), and the deliveries go
// in ROUNDS paired rounds: each round delivers PER_ROUND results to each side (order alternating),
// and the per-round ratio of the two sides' times gives a median and a bootstrap 95% interval
// (bench/lib/intervals.mjs).
// --profile FILE writes a CPU profile of the API process (bench/lib/cpu-profile.mjs; single-API mode).
//   bash bench/ingest/run.sh [--jobs 64] [--layers 20000] [--concurrency 4] [--profile api.cpuprofile]
//   bash bench/ingest/run.sh --baseline .farm/base-api/dist/main.js [--rounds 12] [--per-round 8] [--layers 20000] [--concurrency 4]
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { apiCall, BENCH_ENVIRONMENT, benchAgent, benchDatabase, measuredBlazeface, ROOT, startBenchApi } from '../lib/farm-api.mjs';
import { describeRatio, medianWithInterval, pairedRatio } from '../lib/intervals.mjs';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '64' },
    layers: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '4' },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '12' },
    'per-round': { type: 'string', default: '8' },
    profile: { type: 'string' },
  },
});
const LAYERS = Number(args.layers);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const PER_ROUND = Number(args['per-round']);
const JOBS = args.baseline ? ROUNDS * PER_ROUND : Number(args.jobs);

const API_ENV = { HEARTBEAT_INTERVAL_MS: '600000', RUN_RATE_LIMIT: '100000', UPLOAD_RATE_LIMIT: '100000' };

/** One API process on a fresh database with JOBS started jobs, ready for their results. */
async function side(mainJs, migrationsThrough, env = {}) {
  const api = await startBenchApi(await benchDatabase('ingest_bench', migrationsThrough), { ...API_ENV, ...env }, mainJs);
  try {
    const call = (method, path, body, auth) => apiCall(api, method, path, body, auth);
    const { agent, devices } = await benchAgent(api, 'bench-agent', 1);
    const { model, measured } = await measuredBlazeface(api);
    const jobIds = [];
    while (jobIds.length < JOBS) {
      const n = Math.min(16, JOBS - jobIds.length);
      const run = await call('POST', '/benchmarks', {
        modelId: model.id,
        targets: { deviceIds: [devices[0].id] },
        options: Array.from({ length: n }, (_, i) => ({ timedRuns: 10 + jobIds.length + i })),
      });
      for (const j of (await call('GET', `/benchmarks/${run.runId}`)).jobs) jobIds.push(j.id);
    }
    for (const id of jobIds) await call('POST', `/agent/jobs/${id}/started`, { attempt: 1, startedAt: new Date().toISOString() }, agent);
    return { api, agent, jobIds, measured };
  } catch (e) {
    api.stop();
    throw e;
  }
}

/** The result bodies of `jobIds` (built before the clock starts): the measured output with LAYERS numbered layers. */
function bodiesFor(measured, jobIds) {
  const real = measured.layers;
  const layers = Array.from({ length: LAYERS }, (_, i) => ({
    ...real[i % real.length],
    name: `${real[i % real.length].name}#${Math.floor(i / real.length)}`,
    opClass: 'other',
  }));
  const now = new Date().toISOString();
  return jobIds.map((jobId) =>
    JSON.stringify({ jobId, attempt: 1, startedAt: now, finishedAt: now, output: { ...measured, layers }, environment: BENCH_ENVIRONMENT }),
  );
}

/** Delivers bodies[i] for jobIds[i], CONCURRENCY at a time; returns { seconds, each (ms per delivery) }. */
async function deliver(s, jobIds, bodies) {
  const each = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const t = performance.now();
        const r = await fetch(`${s.api.base}/agent/jobs/${jobIds[i]}/result`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${s.agent}`, 'content-type': 'application/json' },
          body: bodies[i],
        });
        if (r.status !== 201) throw new Error(`result ${jobIds[i]}: ${r.status} ${await r.text()}`);
        each.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, each };
}

const q = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

if (!args.baseline) {
  const profile = args.profile ? { NODE_OPTIONS: `--import=${join(ROOT, 'bench/lib/cpu-profile.mjs')}`, CPU_PROFILE_OUT: resolve(args.profile) } : {};
  const s = await side(join(ROOT, 'apps/api/dist/main.js'), undefined, profile);
  try {
    const bodies = bodiesFor(s.measured, s.jobIds);
    const { seconds, each } = await deliver(s, s.jobIds, bodies);
    each.sort((a, b) => a - b);
    const rows = JOBS * LAYERS;
    console.log(
      `${JOBS} results x ${LAYERS} layers = ${rows} layer rows in ${seconds.toFixed(2)} s with ${CONCURRENCY} deliveries at a time: ${Math.round(rows / seconds)} rows/s; per delivery median ${q(each, 0.5).toFixed(0)} ms, max ${each[each.length - 1].toFixed(0)} ms (body ${(bodies[0].length / 1048576).toFixed(1)} MiB)`,
    );
  } finally {
    s.api.stop();
  }
} else {
  const cur = await side(join(ROOT, 'apps/api/dist/main.js'));
  let base;
  try {
    const lastMigration = join(dirname(args.baseline), '..', 'last-migration');
    const through = existsSync(lastMigration) ? readFileSync(lastMigration, 'utf8').trim() : undefined;
    console.log(`baseline ${args.baseline} on the schema through ${through ?? 'the current migrations'}`);
    base = await side(args.baseline, through);
    const rowsPerRound = PER_ROUND * LAYERS;
    const times = { current: [], baseline: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['current', 'baseline'] : ['baseline', 'current'];
      for (const name of order) {
        const s = name === 'current' ? cur : base;
        const ids = s.jobIds.slice(r * PER_ROUND, (r + 1) * PER_ROUND);
        times[name].push((await deliver(s, ids, bodiesFor(s.measured, ids))).seconds);
      }
      console.log(
        `round ${r + 1}: current ${Math.round(rowsPerRound / times.current[r])} rows/s, baseline ${Math.round(rowsPerRound / times.baseline[r])} rows/s`,
      );
    }
    for (const name of ['current', 'baseline']) {
      const rate = medianWithInterval(times[name].map((t) => rowsPerRound / t));
      console.log(
        `${name}: median ${Math.round(rate.estimate)} rows/s (95% CI ${Math.round(rate.ci[0])}-${Math.round(rate.ci[1])}; min ${Math.round(rate.min)}, max ${Math.round(rate.max)}) over ${ROUNDS} rounds of ${PER_ROUND} results x ${LAYERS} layers, ${CONCURRENCY} at a time`,
      );
    }
    console.log(
      `baseline / current time, median of ${ROUNDS} paired rounds: ${describeRatio(pairedRatio(times.baseline, times.current), 'baseline', 'current')}`,
    );
  } finally {
    cur.api.stop();
    base?.api.stop();
  }
}
