/**
 * Fault injection over real processes and services: the API, the worker and a desktop agent on
 * this suite's own Redis (started here, append-only, so it can be killed) and the test Postgres.
 * Each scenario submits jobs, injects one fault, waits until every job has ended, and counts from
 * Postgres: results stored, duplicates (a second result for a job, a layer row twice), stuck
 * (still queued, waiting or running) and lost (ended with neither a result nor a failure reason).
 * A full disk is a process's RLIMIT_FSIZE lowered with prlimit (the API's for the artifact store,
 * the agent's for its outbox) and raised again: no root and no mount needed.
 * A phone unplugged mid-job is a second agent on a real adb server with one emulated arm64 phone
 * (test infrastructure: the static int8-runner under qemu), skipped visibly where emulation cannot run.
 * It asserts 0 duplicates, 0 stuck and 0 lost in every row and prints one table; the recovery
 * time (fault to last job ended) is printed, never asserted.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { runIsolated } from '@farm/agent/host/run-isolated';
import { BenchmarkOptionsSchema, type RunnerOutput } from '@farm/contracts';
import {
  agentName,
  agentOfDevice,
  api,
  createTestDatabase,
  freePort,
  registerDevice,
  ROOT,
  SAMPLE,
  sql,
  startAgent,
  startApi,
  startWorker,
  testEnvironment,
  upload,
  uploadBytes,
  waitFor,
  listDevices,
  type AgentHandle,
  type ApiHandle,
  type WorkerHandle,
} from '../fixtures/stack.js';
import { withFileSizeLimit } from '../fixtures/file-size-limit.js';
import { convChainOnnx } from '../fixtures/onnx-fixtures.js';
import { startAdbServer, type AdbServer } from '../fixtures/adb-server.js';
import { arm64RunnerMissingReason, emulatedAndroidSkipReason } from '../fixtures/emulated-android.js';
import { plugPhone, replugPhone, unplugMidJob } from '../fixtures/phone-plug.js';
import { testUnless } from '../fixtures/skip.js';

interface Row {
  scenario: string;
  submitted: number;
  stored: number;
  failedWithReason: number;
  duplicates: number;
  stuck: number;
  lost: number;
  recoveryMs: number;
}
const rows: Row[] = [];

/** How long the API stays down while agents finish (FAULT_API_DOWN_S; bench/fault-injection.sh uses 60). */
const API_DOWN_MS = Number(process.env.FAULT_API_DOWN_S ?? '10') * 1000;
/** The phone row's adb server and emulated phone (overridable so the suite can run beside another copy of itself). */
const ADB_PORT = Number(process.env.FAULT_ADB_PORT ?? 5171);
const PHONE_PORT = Number(process.env.FAULT_PHONE_PORT ?? 16100);
const phoneSkip = (await emulatedAndroidSkipReason()) || arm64RunnerMissingReason();
/** A silent device's jobs are failed after this long: longer than any outage below, so only the abandoned agent's jobs are. */
const ABANDON_AFTER_MS = Math.max(25_000, API_DOWN_MS + 30_000);

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function redis(cmd: 'start' | 'stop', port: number, dir: string): string {
  return execFileSync('bash', [join(ROOT, 'scripts/services/redis.sh'), cmd], { env: { ...process.env, REDIS_PORT: String(port), REDIS_DIR: dir } })
    .toString()
    .trim();
}

async function countRuns(databaseUrl: string, runIds: string[]): Promise<Omit<Row, 'scenario' | 'recoveryMs'>> {
  const [c] = await sql<Record<string, number>>(
    databaseUrl,
    `SELECT count(*)::int AS submitted,
            count(r.id)::int AS stored,
            count(*) FILTER (WHERE j.status = 'failed' AND j.error_code IS NOT NULL)::int AS "failedWithReason",
            count(*) FILTER (WHERE j.status IN ('queued', 'waiting', 'running'))::int AS stuck,
            count(*) FILTER (WHERE j.status NOT IN ('queued', 'waiting', 'running')
                               AND r.id IS NULL AND NOT (j.status = 'failed' AND j.error_code IS NOT NULL))::int AS lost
       FROM benchmark_jobs j LEFT JOIN benchmark_results r ON r.job_id = j.id
      WHERE j.run_id = ANY($1::uuid[])`,
    [runIds],
  );
  const [d] = await sql<{ dup: number }>(
    databaseUrl,
    `SELECT (SELECT count(*) - count(DISTINCT r.job_id) FROM benchmark_results r JOIN benchmark_jobs j ON j.id = r.job_id WHERE j.run_id = ANY($1::uuid[]))::int
          + (SELECT count(*) - count(DISTINCT (l.result_id, l.idx)) FROM layer_timings l JOIN benchmark_results r ON r.id = l.result_id
               JOIN benchmark_jobs j ON j.id = r.job_id WHERE j.run_id = ANY($1::uuid[]))::int AS dup`,
    [runIds],
  );
  return { submitted: c!.submitted!, stored: c!.stored!, failedWithReason: c!.failedWithReason!, stuck: c!.stuck!, lost: c!.lost!, duplicates: d!.dup };
}

function printTable(): void {
  const head = ['scenario', 'jobs submitted', 'results stored', 'failed (reason)', 'duplicates', 'stuck', 'lost', 'recovery time'];
  const body = rows.map((r) =>
    [r.scenario, r.submitted, r.stored, r.failedWithReason, r.duplicates, r.stuck, r.lost, `${(r.recoveryMs / 1000).toFixed(1)} s`].map(String),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(
    ['fault injection (recovery time: fault to the last job ended)', line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n'),
  );
}

describe('fault injection (API, worker, agent, own Redis with AOF, Postgres)', () => {
  let h: ApiHandle;
  let worker: WorkerHandle;
  let agent: AgentHandle;
  let redisUrl: string;
  let redisPort: number;
  let redisDir: string;
  let modelId: string;
  let deviceId: string;
  const runnerCpu = String(cpus().length - 1);

  beforeAll(async () => {
    redisPort = await freePort();
    redisDir = mkdtempSync(join(tmpdir(), 'fault-redis-'));
    redisUrl = redis('start', redisPort, redisDir);
    const db = await createTestDatabase('faults');
    h = await startApi({ databaseUrl: db, redisUrl });
    worker = await startWorker(h, { redisUrl, env: { RECONCILE_INTERVAL_MS: '1000', JOB_ABANDON_AFTER_MS: String(ABANDON_AFTER_MS) } });
    agent = await startAgent(h, { redisUrl, env: { RUNNER_CPUS: runnerCpu } });
    modelId = (await upload(h.url, SAMPLE.onnx, { name: 'blazeface' })).body.model.id;
    deviceId = (await listDevices(h.url))[0]!.id;
  });

  afterAll(async () => {
    printTable();
    await agent?.kill();
    await worker?.kill();
    await h?.kill();
    if (redisDir) redis('stop', redisPort, redisDir);
  });

  /** Jobs on the real agent: ONNX Runtime on BlazeFace, with per-layer profiles, one job per option set. */
  async function submit(jobs: number, timedRuns: number, device = deviceId): Promise<string> {
    const options = Array.from({ length: jobs }, (_, i) => ({ warmupRuns: 1, timedRuns: timedRuns + i, profileRuns: 1 }));
    const created = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [device] }, frameworks: ['onnxruntime'], options });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    return created.body.runId;
  }

  async function jobTiming(runId: string): Promise<void> {
    await waitFor(
      'a job to be timing',
      // The timed phase of a short job can begin and end between two polls; the profiled runs after
      // it are still mid-job, which is all a fault needs.
      async () =>
        (await api(h.url, 'GET', `/benchmarks/${runId}`)).body.jobs.some(
          (j: any) => j.status === 'running' && ['timed', 'profile'].includes(j.progress?.phase),
        ),
      120_000,
      100,
    );
  }

  /** Waits until every job of the runs has ended, records the row and checks it. */
  async function settle(scenario: string, runIds: string[], faultAt: number, timeoutMs = 300_000): Promise<Row> {
    await waitFor(
      `every job of "${scenario}" to end`,
      async () => {
        const [r] = await sql<{ n: number }>(
          h.databaseUrl,
          `SELECT count(*)::int AS n FROM benchmark_jobs WHERE run_id = ANY($1::uuid[]) AND status IN ('queued', 'waiting', 'running')`,
          [runIds],
        );
        return r!.n === 0;
      },
      timeoutMs,
      250,
    ).catch(() => undefined);
    const row = { scenario, ...(await countRuns(h.databaseUrl, runIds)), recoveryMs: Date.now() - faultAt };
    rows.push(row);
    assert.deepEqual({ duplicates: row.duplicates, stuck: row.stuck, lost: row.lost }, { duplicates: 0, stuck: 0, lost: 0 }, JSON.stringify(row));
    return row;
  }

  test('agent SIGKILL mid-job', async () => {
    const runId = await submit(3, 600);
    await jobTiming(runId);
    const at = Date.now();
    await agent.kill('SIGKILL');
    agent = await startAgent(h, { redisUrl, dataDir: agent.dataDir, name: agentName(agent), env: { RUNNER_CPUS: runnerCpu } });
    const row = await settle('agent SIGKILL mid-job', [runId], at);
    assert.equal(row.stored, 3);
  });

  test('API SIGKILL while results are being delivered', async () => {
    const runId = await submit(3, 300);
    await jobTiming(runId);
    const at = Date.now();
    const port = Number(new URL(h.url).port);
    await h.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3000));
    h = await startApi({ databaseUrl: h.databaseUrl, redisUrl, port, artifactDir: h.artifactDir, token: h.token, apiKey: h.apiKey });
    const row = await settle('API SIGKILL mid-delivery', [runId], at);
    assert.equal(row.stored, 3);
  });

  test('Redis SIGKILL mid-run and restart (append-only file)', async () => {
    const runId = await submit(3, 300);
    await jobTiming(runId);
    const pid = Number(readFileSync(join(redisDir, 'redis.pid'), 'utf8').trim());
    const at = Date.now();
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    redis('start', redisPort, redisDir);
    const row = await settle('Redis SIGKILL + restart (AOF)', [runId], at);
    assert.equal(row.stored, 3);
  });

  test(`API down for ${API_DOWN_MS / 1000} s while the agent finishes its jobs`, async () => {
    const runId = await submit(3, 200);
    await jobTiming(runId);
    const at = Date.now();
    const port = Number(new URL(h.url).port);
    await h.kill();
    await new Promise((r) => setTimeout(r, API_DOWN_MS));
    h = await startApi({ databaseUrl: h.databaseUrl, redisUrl, port, artifactDir: h.artifactDir, token: h.token, apiKey: h.apiKey });
    const row = await settle(`API down ${API_DOWN_MS / 1000} s`, [runId], at);
    assert.equal(row.stored, 3);
  });

  test('Postgres restart mid-run', async () => {
    const runId = await submit(3, 300);
    await jobTiming(runId);
    const pgEnv = { ...process.env, EMBEDDED_PG_DIR: process.env.EMBEDDED_PG_DIR ?? '.farm/test-pg' };
    const at = Date.now();
    execFileSync('node', [join(ROOT, 'scripts/services/embedded-postgres.mjs'), 'stop'], { env: pgEnv, cwd: ROOT });
    await new Promise((r) => setTimeout(r, 3000));
    execFileSync('node', [join(ROOT, 'scripts/services/embedded-postgres.mjs'), 'start'], { env: pgEnv, cwd: ROOT });
    const row = await settle('Postgres restart', [runId], at);
    assert.equal(row.stored, 3);
  });

  test('artifact store full: an upload is refused with 507 STORAGE_FULL and nothing half-stored; it is stored once space is back', async () => {
    // The full disk is the API process's file-size limit (RLIMIT_FSIZE through prlimit): no root, no mount.
    const runId = await submit(2, 200);
    await jobTiming(runId);
    const bytes = convChainOnnx(7);
    const sha = sha256(bytes);
    const at = Date.now();
    const refused = await withFileSizeLimit(h.proc.pid!, 0, () => uploadBytes(h.url, bytes, 'store-full.onnx'));
    assert.equal(refused.status, 507, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'STORAGE_FULL');
    assert.match(refused.body.error.message, /free space under ARTIFACT_DIR/);
    const rows = await sql(h.databaseUrl, `SELECT id FROM model_artifacts WHERE sha256 = $1`, [sha]);
    assert.equal(rows.length, 0, 'no artifact row for bytes that were not stored');
    const shard = join(h.artifactDir, sha.slice(0, 2));
    assert.equal(existsSync(shard) ? readdirSync(shard).join(',') : '', '', 'no torn or temp file in the store');
    const stored = await uploadBytes(h.url, bytes, 'store-full.onnx');
    assert.equal(stored.status, 201, JSON.stringify(stored.body));
    assert.equal(readFileSync(join(shard, sha)).length, bytes.length);
    const row = await settle('artifact store full (upload 507)', [runId], at);
    assert.equal(row.stored, 2);
  });

  test('agent outbox full: the finished job is held (not acknowledged) and its result delivered once space is back', async () => {
    // Long enough that the first job is still timing when the limit is set, so a result is what is held.
    const runId = await submit(2, 1500);
    await jobTiming(runId);
    const at = Date.now();
    await withFileSizeLimit(agent.proc.pid!, 0, async () => {
      await waitFor(
        'the agent to hold a result it cannot write',
        async () => /outbox full \(EFBIG\): holding the result of job/.test(agent.log()),
        120_000,
        200,
      );
      const [held] = await sql<{ n: number }>(h.databaseUrl, `SELECT count(*)::int AS n FROM benchmark_jobs WHERE run_id = $1 AND status = 'running'`, [runId]);
      assert.equal(held!.n, 1, 'the held job stays running, not acknowledged or failed');
    });
    const row = await settle('agent outbox full (held)', [runId], at);
    assert.equal(row.stored, 2);
    assert.match(agent.log(), /outbox has room again: the result of job/);
  });

  test('duplicate-delivery storm: one result delivered 40 times at once, with different attempts', async () => {
    const device = await registerDevice(h, 'storm-device');
    const created = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [device] }, options: [{ timedRuns: 5 }, { timedRuns: 6 }] });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const runId = created.body.runId;
    const jobs = (await api(h.url, 'GET', `/benchmarks/${runId}`)).body.jobs as { id: string }[];
    const artifact = (await api(h.url, 'GET', `/models/${modelId}`)).body.artifacts[0];
    const output: RunnerOutput = await runIsolated('onnxruntime', {
      modelPath: join(h.artifactDir, artifact.sha256.slice(0, 2), artifact.sha256),
      inputs: artifact.inputs,
      outputs: artifact.outputs,
      options: BenchmarkOptionsSchema.parse({ timedRuns: 5, warmupRuns: 1 }),
    });
    const headers = agentOfDevice(device).headers;
    const at = Date.now();
    await Promise.all(
      jobs.flatMap((j) => [
        fetch(`${h.url}/agent/jobs/${j.id}/started`, { method: 'POST', headers, body: JSON.stringify({ attempt: 1, startedAt: new Date().toISOString() }) }),
        ...Array.from({ length: 20 }, (_, k) =>
          fetch(`${h.url}/agent/jobs/${j.id}/result`, {
            method: 'PUT',
            headers,
            body: JSON.stringify({
              jobId: j.id,
              attempt: 1 + (k % 3),
              startedAt: new Date().toISOString(),
              finishedAt: new Date().toISOString(),
              output: { ...output, layers: output.layers.map((l) => ({ ...l, opClass: 'other' })) },
              environment: testEnvironment(),
            }),
          }),
        ),
      ]),
    );
    const row = await settle('duplicate-delivery storm (40 PUTs)', [runId], at);
    assert.equal(row.stored, 2);
  });

  test('an agent that never comes back: its jobs are failed with DEVICE_ABANDONED', async () => {
    const device = await registerDevice(h, 'never-back');
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: [device] },
      options: [{ timedRuns: 5 }, { timedRuns: 6 }, { timedRuns: 7 }],
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const runId = created.body.runId;
    // The fault is the registration's last heartbeat: nothing is heard from this device afterwards.
    const row = await settle('agent never comes back', [runId], Date.now(), ABANDON_AFTER_MS + 60_000);
    assert.equal(row.failedWithReason, 3);
    const run = (await api(h.url, 'GET', `/benchmarks/${runId}`)).body;
    for (const j of run.jobs) assert.equal(j.error.code, 'DEVICE_ABANDONED');
  });

  // Last: its run makes the shared model's int8 variant, which would add native-int8 jobs to a later run that names no framework.
  testUnless(phoneSkip)(
    'a phone unplugged while its job is timing, plugged back in: the attempt fails with its reason, the job is retried there and stored once',
    async () => {
      // A second agent, the phones' host: the real adb server and one emulated arm64 phone running the
      // static int8-runner under qemu (native-int8 is the one engine the emulated phone runs).
      const server: AdbServer = await startAdbServer(ADB_PORT);
      let phone = await plugPhone(server, PHONE_PORT);
      const phoneHost = await startAgent(h, { redisUrl, env: { ANDROID: 'on', ADB_SERVER_PORT: String(ADB_PORT), COOLDOWN_MAX_C: '90' } });
      try {
        const phoneId = await waitFor(
          'the phone online',
          async () => (await listDevices(h.url)).find((d) => d.serial === phone.serial && d.status === 'online')?.id,
          60_000,
        );
        // Two jobs: one is unplugged mid-run (whichever the phone's queue starts first), the other waits behind it.
        const created = await api(h.url, 'POST', '/benchmarks', {
          modelId,
          targets: { deviceIds: [phoneId] },
          frameworks: ['native-int8'],
          quantize: { calibration: 'percentile' },
          // Enough timed runs that the runner is still running well past unplugMidJob's one-second
          // detection on a fast machine (the int8-runner under qemu takes tens of ms a run).
          options: [
            { warmupRuns: 1, timedRuns: 120, profileRuns: 1 },
            { warmupRuns: 1, timedRuns: 121, profileRuns: 1 },
          ],
        });
        assert.equal(created.status, 202, JSON.stringify(created.body));
        const runId = created.body.runId;
        const { at, jobId, error } = await unplugMidJob(h.url, phone, runId);
        // The agent aborts the job when it sees the phone go; if adb reports it first, adb's message is the reason.
        assert.match(JSON.stringify(error), /disconnected during the job|offline/);
        phone = await replugPhone(server, phone);
        const row = await settle('phone unplugged mid-job', [runId], at);
        assert.equal(row.stored, 2, JSON.stringify(row));
        const after = (await api(h.url, 'GET', `/benchmarks/${runId}`)).body.jobs as { id: string; attempts: number }[];
        console.log(`phone unplugged mid-job: interrupted attempt's error ${JSON.stringify(error)}; attempts ${JSON.stringify(after.map((j) => j.attempts))}`);
        assert.ok(after.find((j) => j.id === jobId)!.attempts >= 2, 'the interrupted job ran again');
        // The job queued behind it waited for the phone instead of spending an attempt on it while it was away.
        assert.equal(after.find((j) => j.id !== jobId)!.attempts, 1);
      } finally {
        await phoneHost.kill();
        await server.stop();
        await phone.stop();
      }
    },
  );
});
