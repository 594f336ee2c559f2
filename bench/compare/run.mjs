// /compare and the result endpoints at farm scale, through a real API process. Seed (not timed):
// SQL generate_series on a fresh database: one model with 2 artifacts, 50 devices, 3 frameworks
// (300 cells), RESULTS jobs each with a stored result (synthetic latencies: 50 values of 5-6 ms)
// and LAYERS layer rows per result (synthetic times), 1,000 jobs per run; then the backfill part of
// the migration that added op_class_summary and compare_cells (what ingest writes for each result
// the API stores; timed and printed apart), then ANALYZE. Timed:
// GET /compare?modelId= (ROUNDS times), GET /results/:jobId for random jobs, GET /benchmarks/:id
// of a 1,000-job run; prints p50 and p95 of each. With --baseline (an earlier API build, made by
// bench/compare/baseline.sh REV), a second API process runs that build on the same database:
// both /compare bodies must be identical, then ROUNDS paired rounds (one /compare on each side
// per round, order alternating) give the per-round ratio baseline / current, its median and a
// bootstrap 95% interval (bench/lib/intervals.mjs).
//   bash bench/compare/run.sh [--results 100000] [--layers 100] [--rounds 40] [--baseline .farm/base-api/dist/main.js]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { judgeLayerSum } from '@farm/contracts';
import assert from 'node:assert/strict';
import { ROOT, benchDatabase, startBenchApi } from '../lib/farm-api.mjs';
import { describeRatio, medianWithInterval, pairedRatio } from '../lib/intervals.mjs';

const { values: args } = parseArgs({
  options: {
    results: { type: 'string', default: '100000' },
    layers: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '40' },
    baseline: { type: 'string' },
  },
});
const RESULTS = Number(args.results);
const LAYERS = Number(args.layers);
const ROUNDS = Number(args.rounds);

const db = await benchDatabase('compare_bench');
const client = new pg.Client({ connectionString: db });
await client.connect();
const seed0 = performance.now();
await client.query(`
  INSERT INTO agents (id, name, hostname, version, last_heartbeat_at) VALUES ('00000000-0000-4000-8000-000000000001', 'bench', 'bench', 'bench', now());
  INSERT INTO devices (id, agent_id, serial, name, platform, transport, frameworks, last_heartbeat_at)
    SELECT ('00000000-0000-4000-8001-' || lpad(d::text, 12, '0'))::uuid, '00000000-0000-4000-8000-000000000001', 'd' || d, 'device ' || d, 'linux', 'local', '[]', now()
      FROM generate_series(0, 49) d;
  INSERT INTO models (id, name) VALUES ('00000000-0000-4000-8002-000000000001', 'bench');
  INSERT INTO model_artifacts (id, model_id, sha256, format, file_name, size_bytes, storage_path, inputs, outputs, op_histogram, node_count, parameter_count)
    SELECT ('00000000-0000-4000-8003-' || lpad(a::text, 12, '0'))::uuid, '00000000-0000-4000-8002-000000000001', lpad(a::text, 64, '0'), 'onnx', 'm' || a || '.onnx', 1, 'x', '[]', '[]', '{}', 1, 1
      FROM generate_series(0, 1) a;
  INSERT INTO benchmark_runs (id, model_id, status, request)
    SELECT ('00000000-0000-4000-8004-' || lpad(r::text, 12, '0'))::uuid, '00000000-0000-4000-8002-000000000001', 'succeeded', '{}'
      FROM generate_series(0, ${Math.ceil(RESULTS / 1000) - 1}) r;
  INSERT INTO benchmark_jobs (id, run_id, device_id, artifact_id, framework, options, status, attempts, queued_at, started_at, finished_at)
    SELECT ('00000000-0000-4000-8005-' || lpad(g::text, 12, '0'))::uuid,
           ('00000000-0000-4000-8004-' || lpad((g / 1000)::text, 12, '0'))::uuid,
           ('00000000-0000-4000-8001-' || lpad((g % 50)::text, 12, '0'))::uuid,
           ('00000000-0000-4000-8003-' || lpad(((g / 50) % 2)::text, 12, '0'))::uuid,
           (ARRAY['onnxruntime', 'tflite', 'opencv-dnn'])[(g / 100) % 3 + 1], '{}', 'succeeded', 1,
           now() - make_interval(secs => ${RESULTS} - g), now() - make_interval(secs => ${RESULTS} - g), now() - make_interval(secs => ${RESULTS} - g)
      FROM generate_series(0, ${RESULTS - 1}) g;
  INSERT INTO benchmark_results (id, job_id, attempt, framework, framework_version, threads, latencies_ms, runs, median_ms, mean_ms, p90_ms, p99_ms,
                                 min_ms, max_ms, std_ms, cv, load_ms, first_inference_ms, output_digest, profiled_runs, environment, notes, started_at, finished_at)
    SELECT ('00000000-0000-4000-8006-' || lpad(g::text, 12, '0'))::uuid, ('00000000-0000-4000-8005-' || lpad(g::text, 12, '0'))::uuid, 1,
           (ARRAY['onnxruntime', 'tflite', 'opencv-dnn'])[(g / 100) % 3 + 1], '1', 1,
           ARRAY(SELECT 5 + ((g * 7 + i * 13) % 100) / 100.0 FROM generate_series(1, 50) i), 50, 5.5, 5.5, 5.9, 6, 5, 6, 0.3, 0.05, 10, 6, 'x', 1, '{}', '{}',
           now() - make_interval(secs => ${RESULTS} - g), now() - make_interval(secs => ${RESULTS} - g)
      FROM generate_series(0, ${RESULTS - 1}) g;
  INSERT INTO layer_timings (result_id, idx, name, op_type, op_class, time_ms, share)
    SELECT r.id, i, 'layer_' || i, 'Conv', (ARRAY['conv', 'elementwise', 'pool', 'other'])[i % 4 + 1], 0.05, 0.01
      FROM benchmark_results r CROSS JOIN generate_series(0, ${LAYERS - 1}) i;
`);
const [{ n }] = (await client.query('SELECT count(*)::bigint AS n FROM layer_timings')).rows;
console.log(`seeded ${RESULTS} results and ${n} layer rows in ${((performance.now() - seed0) / 1000).toFixed(0)} s (not timed below)`);
// Rows seeded by SQL get their op-class summaries and cells from the migration's own backfill.
// The layer-sum judgement ingest stores with every result that has layers (the seed's layers are
// all alike, so one judgement fits every result); without it /compare would read every cell's layers.
const judged = judgeLayerSum(Array(LAYERS).fill(0.05), 5.5);
await client.query('UPDATE benchmark_results SET layer_sum_ms = $1, layer_sum_ratio = $2, layer_basis = $3, layer_note = $4', [
  judged.layerSumMs,
  judged.layerSumRatio,
  judged.layerBasis,
  judged.layerNote,
]);
const migrations = join(ROOT, 'prisma/migrations');
const migration = readFileSync(
  join(
    migrations,
    readdirSync(migrations).find((d) => d.endsWith('_compare_summary')),
    'migration.sql',
  ),
  'utf8',
);
const backfill0 = performance.now();
await client.query(migration.slice(migration.indexOf('-- backfill:begin'), migration.indexOf('-- backfill:end')));
console.log(`backfill (op-class summaries, compare_cells) in ${((performance.now() - backfill0) / 1000).toFixed(0)} s (not timed below)`);
await client.query('ANALYZE');
await client.end();

const api = await startBenchApi(db);
const base0 = args.baseline ? await startBenchApi(db, {}, args.baseline) : null;
const { base, key } = api;
const COMPARE = '/compare?modelId=00000000-0000-4000-8002-000000000001';
const get = async (root, p) => {
  const t = performance.now();
  const r = await fetch(`${root}${p}`, { headers: { authorization: `Bearer ${key}` } });
  const body = await r.text();
  if (!r.ok) throw new Error(`${p}: ${r.status}`);
  return { ms: performance.now() - t, body };
};
const q = (ms, f) => [...ms].sort((a, b) => a - b)[Math.min(ms.length - 1, Math.floor(f * ms.length))].toFixed(1);
try {
  const time = async (label, paths) => {
    const ms = [];
    for (const p of paths) ms.push((await get(base, p)).ms);
    console.log(`${label}: n=${ms.length} p50 ${q(ms, 0.5)} ms, p95 ${q(ms, 0.95)} ms`);
  };
  const job = (g) => `00000000-0000-4000-8005-${String(g).padStart(12, '0')}`;
  // One untimed call of each first: the API's connections and caches warm, as on a running farm.
  const warm = await get(base, COMPARE);
  console.log(`warm-up /compare: ${warm.ms.toFixed(1)} ms`);
  if (base0) {
    const old = await get(base0.base, COMPARE);
    console.log(`warm-up /compare on the baseline: ${old.ms.toFixed(1)} ms`);
    assert.deepEqual(JSON.parse(warm.body), JSON.parse(old.body), 'the baseline and the current API answer /compare alike');
    console.log('the two /compare bodies are identical');
    const cur = [];
    const was = [];
    for (let i = 0; i < ROUNDS; i++) {
      const sides = i % 2 === 0 ? ['cur', 'was'] : ['was', 'cur'];
      for (const side of sides) (side === 'cur' ? cur : was).push((await get(side === 'cur' ? base : base0.base, COMPARE)).ms);
    }
    console.log(`GET /compare?modelId= (300 cells), current: n=${cur.length} p50 ${q(cur, 0.5)} ms, p95 ${q(cur, 0.95)} ms`);
    console.log(`GET /compare?modelId= (300 cells), baseline: n=${was.length} p50 ${q(was, 0.5)} ms, p95 ${q(was, 0.95)} ms`);
    const r = pairedRatio(was, cur);
    console.log(`baseline / current, median of ${ROUNDS} paired rounds: ${describeRatio(r, 'baseline', 'current')}`);
    const c = medianWithInterval(cur);
    console.log(`current median ${c.estimate.toFixed(1)} ms (95% CI ${c.ci[0].toFixed(1)}-${c.ci[1].toFixed(1)})`);
  } else await time('GET /compare?modelId= (300 cells)', Array(ROUNDS).fill(COMPARE));
  await time(
    `GET /results/:jobId (${LAYERS} layers)`,
    Array.from({ length: ROUNDS * 5 }, (_, i) => `/results/${job((i * 7919) % RESULTS)}`),
  );
  await time(
    'GET /benchmarks/:id (1,000 jobs)',
    Array.from({ length: ROUNDS }, (_, i) => `/benchmarks/00000000-0000-4000-8004-${String(i % Math.ceil(RESULTS / 1000)).padStart(12, '0')}`),
  );
} finally {
  api.stop();
  base0?.stop();
}
