#!/usr/bin/env node
// End-to-end check of a BullMQ backend on this machine: adds 20 jobs to a fresh queue, processes
// them with one Worker (concurrency 1), checks every result, removes the queue, exits 0.
// It is also the reference for how the API's queue module builds queues on either backend.
//
//   REDIS_URL=redis://127.0.0.1:6389 node scripts/services/queue-smoke.mjs            # Redis
//   DATABASE_URL=postgresql://... node scripts/services/queue-smoke.mjs               # PostgreSQL
//   node scripts/services/queue-smoke.mjs redis|postgres    (pick one when both are set)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker, createPostgresBackend, withBackend } from 'bullmq';

const JOBS = 20;

/**
 * Queue and Worker classes plus connection options for one backend.
 * Redis is BullMQ's default backend: the plain classes with `{ url }` (or host/port) options.
 * PostgreSQL: classes bound with withBackend(createPostgresBackend); `migrate: true` creates or
 * upgrades BullMQ's own tables (schema "bullmq" by default) on first connect.
 */
export function queueBackend(kind, url) {
  if (kind === 'redis') return { Queue, Worker, connection: { url } };
  if (kind === 'postgres') {
    const bound = withBackend(createPostgresBackend);
    return { Queue: bound.Queue, Worker: bound.Worker, connection: { connectionString: url, migrate: true } };
  }
  throw new Error(`unknown backend ${kind}`);
}

/** Runs the smoke test; resolves with the elapsed milliseconds. */
export async function queueSmoke(kind, url, { timeoutMs = 30_000 } = {}) {
  const { Queue: Q, Worker: W, connection } = queueBackend(kind, url);
  // A fresh name per run, so a crashed earlier run cannot leave jobs that change the outcome.
  const name = `smoke-${process.pid}-${Date.now()}`;
  const started = Date.now();
  const queue = new Q(name, { connection });
  let worker;
  try {
    await queue.waitUntilReady();
    const seen = [];
    const done = new Promise((resolve, reject) => {
      worker = new W(
        name,
        async (job) => {
          seen.push(job.data.n);
          return { square: job.data.n * job.data.n };
        },
        { connection, concurrency: 1 },
      );
      let completed = 0;
      worker.on('completed', (job, result) => {
        if (result?.square !== job.data.n * job.data.n) reject(new Error(`job ${job.id}: wrong result ${JSON.stringify(result)}`));
        if (++completed === JOBS) resolve();
      });
      worker.on('failed', (job, err) => reject(new Error(`job ${job?.id} failed: ${err.message}`)));
      worker.on('error', reject);
    });
    await queue.addBulk(Array.from({ length: JOBS }, (_, n) => ({ name: 'square', data: { n }, opts: { jobId: `square-${n}` } })));
    let timer;
    await Promise.race([
      done,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${seen.length}/${JOBS} jobs processed after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    if (seen.join() !== Array.from({ length: JOBS }, (_, n) => n).join()) {
      throw new Error(`jobs ran out of order with concurrency 1: ${seen.join()}`);
    }
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active');
    if (counts.completed !== JOBS || counts.failed || counts.waiting || counts.active) {
      throw new Error(`unexpected job counts ${JSON.stringify(counts)}`);
    }
    return Date.now() - started;
  } finally {
    // Workers and queues first: the backend's connections must close before the server may stop.
    await worker?.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const kind = process.argv[2] ?? (process.env.REDIS_URL ? 'redis' : process.env.DATABASE_URL ? 'postgres' : null);
  const url = kind === 'redis' ? process.env.REDIS_URL : kind === 'postgres' ? process.env.DATABASE_URL : null;
  if (!url) {
    console.error('set REDIS_URL or DATABASE_URL (and optionally pass redis|postgres)');
    process.exit(2);
  }
  queueSmoke(kind, url).then(
    (ms) => {
      console.log(`queue-smoke: ${kind}: ${JOBS} jobs added, processed and checked in ${ms} ms`);
      process.exit(0);
    },
    (err) => {
      console.error(`queue-smoke: ${kind}: ${err.stack ?? err}`);
      process.exit(1);
    },
  );
}
