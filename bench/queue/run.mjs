// JOBS jobs across DEVICES devices through one API process and the real BullMQ queues on Redis.
// One agent enrolls and registers DEVICES devices; each device's queue (the name the API gives at
// registration) gets a BullMQ Worker with concurrency 1, as the agent runs it. A consumer takes a
// job, records its own start time, reports the start (POST /agent/jobs/:id/started), "runs" it
// with a trivial runner (waits RUN_MS) and delivers a result (PUT /agent/jobs/:id/result), then
// records its stop time. Seed, before the clock starts: one real ONNX Runtime measurement of
// BlazeFace (its latencies and per-layer profile), sent as every job's output. Timed: POST
// /benchmarks for all jobs (DEVICES devices x OPTION_SETS option sets per run) while the
// consumers run, until every job has ended. Prints enqueue-to-start p50/p99 (BullMQ's own add
// timestamp to the consumer's start record) and checks, from the consumers' records alone, that
// no device ever ran two jobs at once and every job ran once, and the dispatch delay (from the
// later of the job's enqueue and its device's previous stop to its start: the queue's own cost,
// without the wait behind earlier jobs); the job and result counts come from Postgres.
// --worker-concurrency 2 breaks the agent's rule on purpose, to show the check finds overlaps.
//   bash bench/queue/run.sh [--jobs 10000] [--devices 50] [--run-ms 20] [--worker-concurrency 1]
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createQueueFactory } from '@farm/queue';
import { apiCall, BENCH_ENVIRONMENT, benchAgent, benchDatabase, measuredBlazeface, startBenchApi } from '../lib/farm-api.mjs';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    devices: { type: 'string', default: '50' },
    'run-ms': { type: 'string', default: '20' },
    'worker-concurrency': { type: 'string', default: '1' },
  },
});
const JOBS = Number(args.jobs);
const DEVICES = Number(args.devices);
const RUN_MS = Number(args['run-ms']);
const WORKER_CONCURRENCY = Number(args['worker-concurrency']);
const OPTION_SETS = 5;
assert.equal(JOBS % (DEVICES * OPTION_SETS), 0, `--jobs must be a multiple of ${DEVICES * OPTION_SETS}`);

const db = await benchDatabase('queue_bench');
const api = await startBenchApi(db, { HEARTBEAT_INTERVAL_MS: '600000', RUN_RATE_LIMIT: '100000', UPLOAD_RATE_LIMIT: '100000' });
const workers = [];
try {
  const call = (method, path, body, auth) => apiCall(api, method, path, body, auth);
  const { agent, devices } = await benchAgent(api, 'queue-bench', DEVICES);
  assert.equal(devices.length, DEVICES);
  const { model, measured } = await measuredBlazeface(api);
  // The runner's raw op classes are canonicalised by the agent; here every layer is "other", as in bench/ingest.
  const output = { ...measured, layers: measured.layers.map((l) => ({ ...l, opClass: 'other' })) };
  const environment = BENCH_ENVIRONMENT;

  // The consumers' own records: one per job taken from a queue.
  const records = [];
  const queues = createQueueFactory({ kind: 'redis', url: process.env.TEST_REDIS_URL });
  let ended = 0;
  let firstError;
  let allEnded;
  const done = new Promise((res) => (allEnded = res));
  for (const d of devices) {
    const w = queues.createWorker(
      d.queue,
      async (job) => {
        const start = Date.now();
        const attempt = job.attemptsMade + 1;
        const rec = { deviceId: d.id, jobId: job.data.jobId, payloadDeviceId: job.data.deviceId, enqueuedAt: job.timestamp, start, stop: 0, outcome: '' };
        records.push(rec);
        try {
          await call('POST', `/agent/jobs/${rec.jobId}/started`, { attempt, startedAt: new Date(start).toISOString() }, agent);
          await new Promise((r) => setTimeout(r, RUN_MS));
          const startedAt = new Date(start).toISOString();
          await call(
            'PUT',
            `/agent/jobs/${rec.jobId}/result`,
            { jobId: rec.jobId, attempt, startedAt, finishedAt: new Date().toISOString(), output, environment },
            agent,
          );
          rec.outcome = 'result';
        } catch (e) {
          rec.outcome = e.status === 409 ? 'skipped' : `error ${e.status ?? e.message}`;
          firstError ??= e.message;
        } finally {
          rec.stop = Date.now();
          if (++ended === JOBS) allEnded();
        }
      },
      { concurrency: WORKER_CONCURRENCY },
    );
    workers.push(w);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  const t0 = performance.now();
  const perRun = DEVICES * OPTION_SETS;
  for (let r = 0; r < JOBS / perRun; r++) {
    await call('POST', '/benchmarks', {
      modelId: model.id,
      targets: { deviceIds: devices.map((d) => d.id) },
      options: Array.from({ length: OPTION_SETS }, (_, i) => ({ timedRuns: 10 + r * OPTION_SETS + i })),
    });
  }
  const enqueueS = (performance.now() - t0) / 1000;
  await done;
  const wallS = (performance.now() - t0) / 1000;

  // From the consumers' records alone: no device ran two jobs at once, each job ran once, on its own device.
  const byDevice = new Map();
  for (const r of records) byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r]);
  let overlaps = 0;
  // Dispatch delay: from the moment a job could have started (queued, and its device free again) to its start.
  const pickups = [];
  for (const list of byDevice.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 0; i < list.length; i++) {
      if (i > 0 && list[i].start < list[i - 1].stop) overlaps++;
      pickups.push(list[i].start - Math.max(list[i].enqueuedAt, i > 0 ? list[i - 1].stop : 0));
    }
  }
  pickups.sort((a, b) => a - b);
  const jobsSeen = new Set(records.map((r) => r.jobId));
  const wrongDevice = records.filter((r) => r.payloadDeviceId !== undefined && r.payloadDeviceId !== r.deviceId).length;
  const outcomes = records.reduce((m, r) => ({ ...m, [r.outcome]: (m[r.outcome] ?? 0) + 1 }), {});
  const waits = records.map((r) => r.start - r.enqueuedAt).sort((a, b) => a - b);
  const at = (xs, f) => xs[Math.min(xs.length - 1, Math.floor(f * xs.length))];
  const q = (f) => at(waits, f);
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  const counts = (
    await client.query(
      `SELECT (SELECT count(*)::int FROM benchmark_jobs) AS jobs, (SELECT count(*)::int FROM benchmark_jobs WHERE status = 'succeeded') AS succeeded,
              (SELECT count(*)::int FROM benchmark_results) AS results`,
    )
  ).rows[0];
  await client.end();
  console.log(`${JOBS} jobs on ${DEVICES} devices (${RUN_MS} ms trivial runner): enqueued in ${enqueueS.toFixed(1)} s, all ended after ${wallS.toFixed(1)} s`);
  console.log(`enqueue-to-start: p50 ${(q(0.5) / 1000).toFixed(2)} s, p99 ${(q(0.99) / 1000).toFixed(2)} s, max ${(waits.at(-1) / 1000).toFixed(2)} s`);
  console.log(`dispatch delay (queued and device free -> start): p50 ${at(pickups, 0.5)} ms, p99 ${at(pickups, 0.99)} ms, max ${pickups.at(-1)} ms`);
  console.log(`consumer records: ${records.length} starts, ${jobsSeen.size} distinct jobs, outcomes ${JSON.stringify(outcomes)}, ${byDevice.size} devices`);
  if (firstError) console.log(`first error: ${firstError}`);
  console.log(`two jobs at once on one device: ${overlaps}; jobs run on another device's queue: ${wrongDevice}`);
  console.log(`Postgres: ${counts.jobs} jobs, ${counts.succeeded} succeeded, ${counts.results} results`);
  if (WORKER_CONCURRENCY === 1) assert.equal(overlaps, 0, 'no device ran two jobs at once');
  assert.equal(records.length, JOBS, 'each job started once');
  assert.equal(jobsSeen.size, JOBS);
  assert.equal(counts.results, JOBS);
} finally {
  await Promise.allSettled(workers.map((w) => w.close()));
  api.stop();
}
