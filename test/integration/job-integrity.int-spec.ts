/**
 * Nothing lost, nothing doubled, nothing stuck: one test per gap found in a read of the job
 * lifecycle, each against the real API and worker processes, Postgres and Redis. A TCP relay in
 * front of Redis (test/fixtures/tcp-proxy.ts) stands for a queue that went away; Redis itself
 * keeps running. Each test names the failure it guards against.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { runIsolated } from '@farm/agent/host/run-isolated';
import { BenchmarkOptionsSchema, deviceQueueName, type RunnerOutput } from '@farm/contracts';
import { createQueueFactory } from '@farm/queue';
import onnxProto from 'onnx-proto';
import { startTcpProxy, type TcpProxy } from '../fixtures/tcp-proxy.js';
import {
  agentOfDevice,
  api,
  createTestDatabase,
  registerDevice,
  requireEnv,
  SAMPLE,
  sql,
  startApi,
  startWorker,
  testEnvironment,
  upload,
  uploadBytes,
  waitFor,
  waitForRun,
  type ApiHandle,
  type WorkerHandle,
} from '../fixtures/stack.js';

/** One Add of a float input and a float initializer of `n` elements (4n bytes): a valid model that is slow to write. */
function weightyOnnx(n: number): Uint8Array {
  const { onnx } = onnxProto;
  const data = new Float32Array(n).map((_, i) => (i % 251) / 251);
  const info = (name: string) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: n }] } } } });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'farm-tests',
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'weighty_add',
        node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'], name: 'add_0' }],
        initializer: [{ name: 'w', dims: [n], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) }],
        input: [info('x')],
        output: [info('y')],
      },
    }),
  ).finish();
}

const redisUrl = () => requireEnv('TEST_REDIS_URL');

/** One real ONNX Runtime measurement of the sample model, delivered for every job these tests finish. */
let measured: RunnerOutput;

async function startJob(h: ApiHandle, deviceId: string, jobId: string): Promise<number> {
  const r = await fetch(`${h.url}/agent/jobs/${jobId}/started`, {
    method: 'POST',
    headers: agentOfDevice(deviceId).headers,
    body: JSON.stringify({ attempt: 1, startedAt: new Date().toISOString() }),
  });
  return r.status;
}

function submission(jobId: string, layerName?: string) {
  const layers = measured.layers.map((l, i) => ({ ...l, opClass: 'other', ...(i === 0 && layerName !== undefined ? { name: layerName } : {}) }));
  return {
    jobId,
    attempt: 1,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    output: { ...measured, layers },
    environment: testEnvironment(),
  };
}

async function putResult(h: ApiHandle, deviceId: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${h.url}/agent/jobs/${(body as { jobId: string }).jobId}/result`, {
    method: 'PUT',
    headers: agentOfDevice(deviceId).headers,
    body: JSON.stringify(body),
  });
  return { status: r.status, body: JSON.parse(await r.text()) };
}

async function createRun(h: ApiHandle, modelId: string, deviceId: string, optionSets = 1): Promise<{ runId: string; jobIds: string[] }> {
  const options = Array.from({ length: optionSets }, (_, i) => ({ timedRuns: 10 + i }));
  const created = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [deviceId] }, options });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  const run = await api(h.url, 'GET', `/benchmarks/${created.body.runId}`);
  return { runId: created.body.runId, jobIds: run.body.jobs.map((j: { id: string }) => j.id) };
}

describe('one API and worker on Redis', () => {
  let h: ApiHandle;
  let worker: WorkerHandle;
  let modelId: string;
  let deviceId: string;

  beforeAll(async () => {
    const db = await createTestDatabase('integrity');
    h = await startApi({ databaseUrl: db, redisUrl: redisUrl(), env: { HEARTBEAT_INTERVAL_MS: '600000' } });
    worker = await startWorker(h, { redisUrl: redisUrl(), env: { RECONCILE_INTERVAL_MS: '1000' } });
    const up = await upload(h.url, SAMPLE.onnx);
    modelId = up.body.model.id;
    deviceId = await registerDevice(h, 'integrity-1');
    const artifact = up.body.model.artifacts.find((a: { id: string }) => a.id === up.body.artifactId);
    measured = await runIsolated('onnxruntime', {
      modelPath: join(h.artifactDir, artifact.sha256.slice(0, 2), artifact.sha256),
      inputs: artifact.inputs,
      outputs: artifact.outputs,
      options: BenchmarkOptionsSchema.parse({ timedRuns: 5, warmupRuns: 1 }),
    });
  });
  afterAll(async () => {
    await worker?.kill();
    await h?.kill();
  });

  test('gap 1: concurrent uploads of the same new bytes all answer, and the stored file stays for every one of them', async () => {
    // Large enough that writing the file takes a while, so the concurrent uploads' writes overlap.
    for (let k = 0; k < 3; k++) {
      const bytes = weightyOnnx(6_000_000 + k);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const answers = await Promise.all(Array.from({ length: 6 }, () => uploadBytes(h.url, bytes, `race-${k}.onnx`)));
      for (const a of answers) assert.ok(a.status === 201 || a.status === 200, JSON.stringify(a.body));
      assert.equal(new Set(answers.map((a) => a.body.artifactId)).size, 1, 'one artifact for the same bytes');
      const path = join(h.artifactDir, sha.slice(0, 2), sha);
      assert.ok(existsSync(path), `upload round ${k}: the artifact row exists but its file was removed by a losing upload`);
      assert.ok(readFileSync(path).equals(Buffer.from(bytes)), 'the stored file holds the uploaded bytes');
      const served = await fetch(`${h.url}/agent/artifacts/${sha}`, { headers: agentOfDevice(deviceId).headers });
      assert.equal(served.status, 200);
    }
  });

  test('gap 2: a result with a NUL character in a layer name is refused with a 4xx that names the field, not a 500; nothing is stored', async () => {
    const { jobIds } = await createRun(h, modelId, deviceId);
    assert.equal(await startJob(h, deviceId, jobIds[0]!), 200);
    const r = await putResult(h, deviceId, submission(jobIds[0]!, 'conv\u0000tail'));
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'VALIDATION_FAILED');
    assert.match(r.body.error.message, /output\.layers\.0\.name: contains a NUL character/);
    const [row] = await sql<{ n: number }>(h.databaseUrl, 'SELECT count(*)::int AS n FROM benchmark_results WHERE job_id = $1', [jobIds[0]]);
    assert.equal(row!.n, 0);
  });

  test('layers go in by COPY: names with tabs, newlines and backslashes come back as sent; a sample past a 4-byte float is a 4xx that names it, with nothing stored', async () => {
    const names = ['tab\there', 'line\nbreak\rreturn', 'back\\slash', '\\N', '\\.'];
    const withSamples = (jobId: string, samples: number[]) => {
      const sub = submission(jobId);
      sub.output.layers = sub.output.layers.map((l, i) => ({ ...l, ...(i < names.length ? { name: names[i]! } : {}), samplesMs: samples }));
      return sub;
    };
    const { jobIds } = await createRun(h, modelId, deviceId, 2);
    for (const id of jobIds) assert.equal(await startJob(h, deviceId, id), 200);

    const tooBig = await putResult(h, deviceId, withSamples(jobIds[0]!, [1, 1e39]));
    assert.equal(tooBig.status, 400, JSON.stringify(tooBig.body));
    assert.equal(tooBig.body.error.code, 'VALIDATION_FAILED');
    assert.match(tooBig.body.error.message, /samplesMs\.1.*4-byte float/);
    const [none] = await sql<{ n: number }>(h.databaseUrl, 'SELECT count(*)::int AS n FROM benchmark_results WHERE job_id = $1', [jobIds[0]]);
    assert.equal(none!.n, 0);

    // A sample below the 4-byte range is stored as 0 rather than failing the whole ingest.
    const stored = await putResult(h, deviceId, withSamples(jobIds[1]!, [1e-50, 0.25]));
    assert.equal(stored.status, 201, JSON.stringify(stored.body));
    const rows = await sql<{ idx: number; name: string; samples: number[] }>(
      h.databaseUrl,
      'SELECT l.idx, l.name, l.samples_ms AS samples FROM layer_timings l JOIN benchmark_results r ON r.id = l.result_id WHERE r.job_id = $1 ORDER BY l.idx',
      [jobIds[1]],
    );
    assert.equal(rows.length, measured.layers.length, 'every layer stored once');
    assert.deepEqual(
      rows.slice(0, names.length).map((r) => r.name),
      names,
    );
    assert.deepEqual(rows[0]!.samples, [0, 0.25]);
    const [job] = await sql<{ status: string }>(h.databaseUrl, 'SELECT status FROM benchmark_jobs WHERE id = $1', [jobIds[1]]);
    assert.equal(job!.status, 'succeeded');
  });

  test('gap 4: a queued job the queue lost is re-added even behind more than a page of jobs waiting for a device', async () => {
    // 528 jobs wait on a device no agent serves: more than one reconciler page of queued jobs.
    const busy = await registerDevice(h, 'integrity-busy');
    for (let i = 0; i < 33; i++) await createRun(h, modelId, busy, 16);
    const { jobIds } = await createRun(h, modelId, deviceId);
    const queue = createQueueFactory({ kind: 'redis', url: redisUrl() }).createQueue(deviceQueueName(deviceId));
    try {
      await (await queue.getJob(jobIds[0]!))!.remove();
      await waitFor('the reconciler to re-add the lost job', async () => (await queue.getJob(jobIds[0]!)) !== undefined, 60_000);
    } finally {
      await queue.close();
    }
  });

  test('gap 4: a job marked running whose queue entry is gone is queued again, with the reason', async () => {
    const { jobIds } = await createRun(h, modelId, deviceId);
    const jobId = jobIds[0]!;
    assert.equal(await startJob(h, deviceId, jobId), 200);
    const queue = createQueueFactory({ kind: 'redis', url: redisUrl() }).createQueue(deviceQueueName(deviceId));
    try {
      await (await queue.getJob(jobId))!.remove();
      const job = await waitFor(
        'the running job to be queued again',
        async () => {
          const [row] = await sql<{ status: string; error_code: string | null }>(h.databaseUrl, 'SELECT status, error_code FROM benchmark_jobs WHERE id = $1', [
            jobId,
          ]);
          return row!.status === 'queued' ? row : undefined;
        },
        60_000,
      );
      assert.equal(job.error_code, 'QUEUE_ENTRY_LOST');
      await waitFor('the job back on its queue', async () => (await queue.getJob(jobId)) !== undefined, 30_000);
    } finally {
      await queue.close();
    }
  });

  test('gap 5: a job is never seen finished while its run still says running (the two commit together)', async () => {
    const { runId, jobIds } = await createRun(h, modelId, deviceId);
    const jobId = jobIds[0]!;
    assert.equal(await startJob(h, deviceId, jobId), 200);
    // Another session holds the run's row: whatever the ingest commits before it needs the run is visible meanwhile.
    const holder = new pg.Client({ connectionString: h.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM benchmark_runs WHERE id = $1 FOR UPDATE', [runId]);
      const put = putResult(h, deviceId, submission(jobId));
      await new Promise((r) => setTimeout(r, 1500));
      const [job] = await sql<{ status: string }>(h.databaseUrl, 'SELECT status FROM benchmark_jobs WHERE id = $1', [jobId]);
      const [run] = await sql<{ status: string }>(h.databaseUrl, 'SELECT status FROM benchmark_runs WHERE id = $1', [runId]);
      assert.deepEqual({ job: job!.status, run: run!.status }, { job: 'running', run: 'running' }, 'a crash now would leave this pair behind');
      await holder.query('COMMIT');
      assert.equal((await put).status, 201);
    } finally {
      await holder.end();
    }
    const [run] = await sql<{ status: string }>(h.databaseUrl, 'SELECT status FROM benchmark_runs WHERE id = $1', [runId]);
    assert.equal(run!.status, 'succeeded');
  });

  test('GET /benchmarks/:id explains each job: attempts, last error, and why it waits (its place in the device queue, a retry)', async () => {
    const device = await registerDevice(h, 'integrity-explain');
    const { runId, jobIds } = await createRun(h, modelId, device, 3);
    const view = async () => (await api(h.url, 'GET', `/benchmarks/${runId}`)).body.jobs as any[];
    const byId = (jobs: any[], id: string) => jobs.find((j) => j.id === id);
    let jobs = await view();
    assert.deepEqual(
      jobIds.map((id) => [byId(jobs, id).waiting.reason, byId(jobs, id).waiting.queuePosition]),
      [
        ['queue', 0],
        ['queue', 1],
        ['queue', 2],
      ],
    );
    assert.equal(await startJob(h, device, jobIds[0]!), 200);
    const failed = await fetch(`${h.url}/agent/jobs/${jobIds[0]}/failure`, {
      method: 'POST',
      headers: agentOfDevice(device).headers,
      body: JSON.stringify({ attempt: 1, permanent: false, code: 'RUNNER_FAILED', message: 'the runner exited with code 3', final: false }),
    });
    assert.ok(failed.status < 300, await failed.text());
    jobs = await view();
    const retried = byId(jobs, jobIds[0]!);
    assert.equal(retried.status, 'queued');
    assert.equal(retried.attempts, 1);
    assert.equal(retried.error.code, 'RUNNER_FAILED');
    assert.equal(retried.waiting.reason, 'retry');
    assert.match(retried.waiting.message, /the runner exited with code 3/);
    // Started again, the job keeps saying why its previous attempt failed.
    assert.equal(await startJob(h, device, jobIds[0]!), 200);
    jobs = await view();
    assert.equal(byId(jobs, jobIds[0]!).attempts, 2);
    assert.equal(byId(jobs, jobIds[0]!).error.code, 'RUNNER_FAILED');
    assert.equal(byId(jobs, jobIds[0]!).waiting, null);
    assert.equal(byId(jobs, jobIds[1]!).waiting.queuePosition, 1, 'the running job is ahead of it');
  });

  test('gap 8: /compare reads from the database only the latest result of each cell, not every result ever stored', async () => {
    // Five results on one cell (same device, framework, artifact): compare needs the newest only.
    let lastJob = '';
    for (let i = 0; i < 5; i++) {
      const { jobIds } = await createRun(h, modelId, deviceId);
      assert.equal(await startJob(h, deviceId, jobIds[0]!), 200);
      assert.equal((await putResult(h, deviceId, submission(jobIds[0]!))).status, 201);
      lastJob = jobIds[0]!;
    }
    const { PrismaService } = await import('@farm/api/prisma/prisma.service');
    const { ResultsRepository } = await import('@farm/api/results/results.repository');
    const prisma = new PrismaService({ databaseUrl: h.databaseUrl } as never);
    await prisma.$connect();
    let rowsRead = 0;
    const count = (v: unknown): void => {
      if (Array.isArray(v))
        for (const x of v) {
          rowsRead++;
          count(x);
        }
      else if (v && typeof v === 'object' && !(v instanceof Date)) for (const x of Object.values(v)) if (Array.isArray(x) && typeof x[0] === 'object') count(x);
    };
    // Passes every call through to Prisma and counts the rows (and nested rows) it returns.
    const counted = new Proxy(prisma, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (prop === '$queryRaw' || prop === '$queryRawUnsafe')
          return async (...args: unknown[]) => {
            const out = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            count(out);
            return out;
          };
        if (prop === 'benchmarkResult')
          return new Proxy(v as object, {
            get(d, m) {
              const f = Reflect.get(d, m) as unknown;
              return typeof f === 'function'
                ? async (...args: unknown[]) => {
                    const out = await (f as (...a: unknown[]) => Promise<unknown>).apply(d, args);
                    count(out);
                    return out;
                  }
                : f;
            },
          });
        return v;
      },
    });
    try {
      const repo = new ResultsRepository(counted as never);
      const latest = await repo.latestForModel(modelId);
      const cell = latest.filter((r) => r.job.deviceId === deviceId);
      assert.equal(cell.length, 1);
      assert.equal(cell[0]!.jobId, lastJob, 'the newest result of the cell');
      const layersPerResult = measured.layers.length;
      // Every cell's own row and layers, a few rows of keys; never the 4 older results and their layers.
      const cells = latest.length;
      assert.ok(rowsRead <= cells * (layersPerResult + 2) + cells, `read ${rowsRead} rows for ${cells} cell(s) of ${layersPerResult} layers`);
    } finally {
      await prisma.$disconnect();
    }
    const compare = await api(h.url, 'GET', `/compare?modelId=${modelId}`);
    assert.equal(compare.status, 200);
    assert.equal(compare.body.cells.find((c: { deviceId: string }) => c.deviceId === deviceId).jobId, lastJob);
  });
});

describe('a device whose agent never comes back', () => {
  let h: ApiHandle;
  let worker: WorkerHandle;

  beforeAll(async () => {
    const db = await createTestDatabase('abandon');
    h = await startApi({ databaseUrl: db, redisUrl: redisUrl() });
    worker = await startWorker(h, { redisUrl: redisUrl(), env: { RECONCILE_INTERVAL_MS: '1000', JOB_ABANDON_AFTER_MS: '3000' } });
  });
  afterAll(async () => {
    await worker?.kill();
    await h?.kill();
  });

  test('gap 4: its queued and running jobs are failed with DEVICE_ABANDONED and the device named, and the run ends', async () => {
    const modelId = (await upload(h.url, SAMPLE.onnx)).body.model.id;
    const deviceId = await registerDevice(h, 'gone-for-good');
    const { runId, jobIds } = await createRun(h, modelId, deviceId, 3);
    assert.equal(await startJob(h, deviceId, jobIds[0]!), 200);
    const run = await waitForRun(h.url, runId, 60_000);
    assert.equal(run.status, 'failed');
    for (const j of run.jobs) {
      assert.equal(j.status, 'failed');
      assert.equal(j.error!.code, 'DEVICE_ABANDONED');
      assert.match(j.error!.message!, /gone-for-good device has not been heard from since/);
    }
    // What the dashboard lists: the failed jobs with their reason, without a shell.
    const attention = await api(h.url, 'GET', '/jobs/attention');
    assert.equal(attention.status, 200);
    const listed = attention.body.jobs.filter((j: { runId: string }) => j.runId === runId);
    assert.equal(listed.length, jobIds.length);
    for (const j of listed) assert.equal(j.error.code, 'DEVICE_ABANDONED');
  });
});

describe('the queue unreachable (Redis behind a relay that is cut)', () => {
  let h: ApiHandle;
  let proxy: TcpProxy;

  beforeAll(async () => {
    const u = new URL(redisUrl());
    proxy = await startTcpProxy(u.hostname, Number(u.port));
    h = await startApi({ databaseUrl: await createTestDatabase('queue_cut'), redisUrl: proxy.url(redisUrl()), env: { HEARTBEAT_INTERVAL_MS: '600000' } });
  });
  afterAll(async () => {
    await h?.kill();
    await proxy?.close();
  });

  test('gap 6: cancel marks every unstarted job cancelled at once, even with the queue away; an agent that takes one is refused', async () => {
    const modelId = (await upload(h.url, SAMPLE.onnx)).body.model.id;
    const deviceId = await registerDevice(h, 'cancel-cut');
    const { runId, jobIds } = await createRun(h, modelId, deviceId, 4);
    proxy.cut();
    try {
      const res = await fetch(`${h.url}/benchmarks/${runId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${h.apiKey}` },
        signal: AbortSignal.timeout(20_000),
      });
      assert.equal(res.status, 200, await res.text());
      const run = await api(h.url, 'GET', `/benchmarks/${runId}`);
      assert.equal(run.body.status, 'cancelled');
      assert.deepEqual(
        run.body.jobs.map((j: { status: string }) => j.status),
        jobIds.map(() => 'cancelled'),
      );
      assert.equal(await startJob(h, deviceId, jobIds[0]!), 409, 'a cancelled job still on its queue is refused at start');
    } finally {
      proxy.restore();
    }
    // Back on the queue: the cancelled entries are removed.
    const queue = createQueueFactory({ kind: 'redis', url: redisUrl() }).createQueue(deviceQueueName(deviceId));
    try {
      await waitFor(
        'the cancelled entries to leave the queue',
        async () => (await Promise.all(jobIds.map((id) => queue.getJob(id)))).every((j) => j === undefined),
        30_000,
      );
    } finally {
      await queue.close();
    }
  });

  test('gap 9: /health answers 503 with each service’s check, saying the queue is the one down', async () => {
    proxy.cut();
    try {
      const r = await api(h.url, 'GET', '/health');
      assert.equal(r.status, 503);
      assert.equal(r.body.error.code, 'SERVICE_UNAVAILABLE');
      assert.equal(r.body.error.details.database.ok, true);
      assert.equal(r.body.error.details.queue.ok, false);
      assert.equal(r.body.error.details.queue.backend, 'redis');
      assert.equal(typeof r.body.error.details.queue.error, 'string');
    } finally {
      proxy.restore();
    }
    await waitFor('the API healthy again', async () => (await api(h.url, 'GET', '/health')).status === 200, 30_000);
  });
});
