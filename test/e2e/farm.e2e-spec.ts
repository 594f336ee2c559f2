/**
 * End to end through the real API and the real desktop agent process, over real Postgres and
 * Redis, on the real engines (ONNX Runtime, TFLite with XNNPACK, OpenCV DNN): the sample model
 * benchmarked under all three, per-layer rows in Postgres; an agent killed with SIGKILL mid-job
 * and restarted still yields exactly one result; a result finished while the API is down is
 * delivered when it returns.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import { testUnless } from '../fixtures/skip.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { DEFAULT_INT8_RUNNER_BINARY as INT8_RUNNER } from '@farm/agent/runners/native-int8.runner';
import { oneNodeOnnx } from '../fixtures/onnx-fixtures.js';
import { seedPhones } from '../fixtures/phones.js';
import {
  agentName,
  api,
  uploadBytes,
  createTestDatabase,
  requireEnv,
  ROOT,
  SAMPLE,
  sql,
  startAgent,
  startApi,
  startWorker,
  upload,
  waitFor,
  waitForConversion,
  waitForRun,
  type AgentHandle,
  type ApiHandle,
  type WorkerHandle,
  listDevices,
  client,
  local,
} from '../fixtures/stack.js';
import { unwrap } from '@farm/api-client';

describe('farm end to end (Redis backend, real agent, real engines)', () => {
  let h: ApiHandle;
  let agent: AgentHandle;
  // Makes the int8 variants (quantization runs in the worker, never in the API).
  let worker: WorkerHandle;
  let modelId: string;
  let deviceId: string;
  const redisUrl = requireEnv('TEST_REDIS_URL');
  // The agent runs pinned (RUNNER_CPUS), as a farm host reserving a core for its runners would.
  const runnerCpu = String(cpus().length - 1);

  beforeAll(async () => {
    const db = await createTestDatabase('farm_e2e');
    // Reads need a key too here, so the dashboard and every helper are shown to work with keys throughout.
    h = await startApi({ databaseUrl: db, redisUrl, env: { READ_ACCESS: 'key' } });
    worker = await startWorker(h, { redisUrl });
    agent = await startAgent(h, { redisUrl, env: { RUNNER_CPUS: runnerCpu } });
    const onnx = await upload(h.url, SAMPLE.onnx, { name: 'blazeface' });
    modelId = onnx.body.model.id;
    await upload(h.url, SAMPLE.tflite, { modelId });
    const devices = await listDevices(h.url);
    assert.equal(devices.length, 1);
    deviceId = devices[0]!.id;
  });

  afterAll(async () => {
    await agent?.kill();
    await worker?.kill();
    await h?.kill();
  });

  test('the desktop reports itself with all three frameworks (and native-int8 when its runtime is built)', async () => {
    const d = (await listDevices(h.url))[0]!;
    assert.equal(d.status, 'online');
    assert.equal(d.transport, 'local');
    const expected = ['onnxruntime', 'opencv-dnn', 'tflite', ...(existsSync(INT8_RUNNER) ? ['native-int8'] : [])].sort();
    assert.deepEqual(d.frameworks.map((f: { framework: string }) => f.framework).sort(), expected);
  });

  test('BlazeFace under ONNX Runtime, TFLite and OpenCV DNN: results, per-layer rows in Postgres, comparison', async () => {
    const farm = client(h.url);
    const created = await unwrap(
      farm.POST('/benchmarks', { body: { modelId, targets: { platform: 'linux' }, options: { warmupRuns: 3, timedRuns: 20, profileRuns: 5 } } }),
    );
    assert.equal(created.jobs, 3);
    const run = await waitForRun(h.url, created.runId);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs.map((j) => [j.framework, j.error])));

    const rows = await sql<{ framework: string; runs: number; layers: string; median_ms: number }>(
      h.databaseUrl,
      `SELECT r.framework, r.runs, r.median_ms, (SELECT count(*) FROM layer_timings l WHERE l.result_id = r.id)::text AS layers
         FROM benchmark_results r JOIN benchmark_jobs j ON j.id = r.job_id WHERE j.run_id = $1 ORDER BY r.framework`,
      [created.runId],
    );
    assert.deepEqual(
      rows.map((r) => r.framework),
      ['onnxruntime', 'opencv-dnn', 'tflite'],
    );
    for (const r of rows) {
      assert.equal(r.runs, 20);
      assert.ok(Number(r.layers) > 10, `${r.framework} stored ${r.layers} layer rows`);
      assert.ok(r.median_ms > 0);
    }
    const cmp = local(await unwrap(farm.GET('/compare', { params: { query: { modelId } } })));
    assert.deepEqual(cmp.frameworks, ['onnxruntime', 'opencv-dnn', 'tflite']);
    for (const c of cmp.cells) {
      assert.ok(c.opClasses.length >= 3, `${c.framework} has an op-class breakdown`);
      // BlazeFace has 16 depthwise convolutions; every framework's layers must be classed as such.
      assert.ok(
        c.opClasses.some((o: { opClass: string }) => o.opClass === 'conv'),
        `${c.framework}: conv`,
      );
      assert.ok(
        c.opClasses.some((o: { opClass: string }) => o.opClass === 'depthwise_conv'),
        `${c.framework}: depthwise_conv`,
      );
      const share = c.opClasses.reduce((s: number, o: { share: number }) => s + o.share, 0);
      assert.ok(Math.abs(share - 1) < 1e-6);
    }
    const detail = await unwrap(farm.GET('/results/{jobId}', { params: { path: { jobId: run.jobs[0]!.id } } }));
    assert.equal(detail.latenciesMs.length, 20);
    assert.ok(detail.loadMs > 0 && detail.firstInferenceMs > 0);
    assert.ok(detail.peakMemoryBytes! > 1_000_000);
    assert.match(detail.outputDigest, /^[0-9a-f]{64}$/);
    assert.ok(detail.environment.cpuModel.length > 0);
    assert.equal(detail.environment.cpuAffinity, runnerCpu);
  });

  test('the dashboard renders the matrix, the per-layer chart and the devices view in headless Chromium', async () => {
    // A phone host played over HTTP: an emulated phone with one result of this model, and an unauthorized phone.
    const model = await unwrap(client(h.url).GET('/models/{id}', { params: { path: { id: modelId } } }));
    const onnxArtifact = model.artifacts.find((a) => a.format === 'onnx')!;
    const phones = await seedPhones(h, modelId, onnxArtifact.id);
    const spec = join(ROOT, 'test/e2e/dashboard.e2e-spec.mjs');
    assert.ok(existsSync(spec), `missing ${spec}`);
    // Its own jest run (project "dashboard"), as a user would run it against a live farm. Spawned
    // without blocking, so the phone host's heartbeats keep its devices from going offline meanwhile.
    let r: { status: number | null; out: string };
    try {
      r = await new Promise((resolve, reject) => {
        const child = spawn('bash', [join(ROOT, 'scripts/jest.sh'), '--selectProjects', 'dashboard', '--ci'], {
          cwd: ROOT,
          env: { ...process.env, FARM_API_URL: h.url, FARM_API_KEY: h.apiKey, FARM_MODEL_ID: modelId, FARM_EXPECT_PHONES: '1' },
          timeout: 600_000,
        });
        let out = '';
        child.stdout.on('data', (c) => (out += c));
        child.stderr.on('data', (c) => (out += c));
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, out }));
      });
    } finally {
      phones.stop();
    }
    assert.equal(r.status, 0, `dashboard test failed:\n${r.out}`);
    assert.match(r.out, /Tests:\s+(\d+ skipped, )?[1-9]\d* passed/);
    assert.doesNotMatch(r.out, /\d+ failed/);
  });

  test('a model the framework cannot load fails at once with the engine message, no retries', async () => {
    const bad = await uploadBytes(h.url, oneNodeOnnx('NotARealOp', [1, 3]), 'unknown-op.onnx', { name: 'unknown-op' });
    assert.equal(bad.status, 201, JSON.stringify(bad.body));
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId: bad.body.model.id,
      targets: { deviceIds: [deviceId] },
      frameworks: ['onnxruntime'],
      options: { timedRuns: 3, warmupRuns: 0, profileRuns: 0 },
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const run = await waitForRun(h.url, created.body.runId, 60_000);
    const job = run.jobs[0];
    assert.equal(job.status, 'failed');
    assert.equal(job.error?.code, 'RUNNER_MODEL_REJECTED');
    assert.match(job.error?.message ?? '', /NotARealOp/);
    assert.equal(job.attempts, 1);
  });

  test('SIGKILL of the agent mid-job: the job completes after restart, with exactly one result', async () => {
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: [deviceId] },
      frameworks: ['onnxruntime'],
      options: { warmupRuns: 2, timedRuns: 3000, profileRuns: 2 },
    });
    assert.equal(created.status, 202);
    const jobId = (await api(h.url, 'GET', `/benchmarks/${created.body.runId}`)).body.jobs[0].id;
    await waitFor(
      'the job to be timing',
      async () => {
        const j = (await api(h.url, 'GET', `/benchmarks/${created.body.runId}`)).body.jobs[0];
        return j.status === 'running' && j.progress?.phase === 'timed';
      },
      60_000,
      100,
    );
    await agent.kill('SIGKILL');
    agent = await startAgent(h, { redisUrl, dataDir: agent.dataDir, name: agentName(agent), env: { RUNNER_CPUS: runnerCpu } });
    const run = await waitForRun(h.url, created.body.runId, 240_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs[0].error));
    assert.ok(run.jobs[0].attempts >= 2, `attempts: ${run.jobs[0].attempts}`);
    const n = await sql<{ n: string }>(h.databaseUrl, 'SELECT count(*)::text AS n FROM benchmark_results WHERE job_id = $1', [jobId]);
    assert.equal(n[0]!.n, '1');
    assert.match(agent.log(), /ended runner process group|consuming/);
  });

  test('a result finished while the API is down is delivered when it is back', async () => {
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: [deviceId] },
      frameworks: ['onnxruntime'],
      // Long enough (seconds) that the API is surely gone before the job ends: a graceful
      // shutdown on a loaded machine can take as long as a short job's whole timed phase.
      options: { warmupRuns: 1, timedRuns: 3000, profileRuns: 1 },
    });
    const runId = created.body.runId;
    await waitFor('the job to be timing', async () => (await api(h.url, 'GET', `/benchmarks/${runId}`)).body.jobs[0].progress?.phase === 'timed', 60_000, 100);
    const port = new URL(h.url).port;
    await h.kill('SIGKILL');
    await waitFor('the agent to hold the result in its outbox', async () => /delivery of result/.test(agent.log()), 120_000, 200);
    h = await startApi({
      databaseUrl: h.databaseUrl,
      redisUrl,
      port: Number(port),
      artifactDir: h.artifactDir,
      token: h.token,
      apiKey: h.apiKey,
      env: { READ_ACCESS: 'key' },
    });
    const run = await waitForRun(h.url, runId, 120_000);
    assert.equal(run.status, 'succeeded');
    const n = await sql<{ n: string }>(
      h.databaseUrl,
      'SELECT count(*)::text AS n FROM benchmark_results r JOIN benchmark_jobs j ON j.id = r.job_id WHERE j.run_id = $1',
      [runId],
    );
    assert.equal(n[0]!.n, '1');
  });

  testUnless(existsSync(INT8_RUNNER) ? false : `SKIPPED: int8-runner is not built at ${INT8_RUNNER}; run device-agents/native/build.sh`)(
    'fp32 and int8 side by side: ORT fp32, ORT int8 and native-int8 with agreement figures',
    async () => {
      const created = await api(h.url, 'POST', '/benchmarks', {
        modelId,
        targets: { deviceIds: [deviceId] },
        frameworks: ['onnxruntime', 'native-int8'],
        quantize: { calibration: 'percentile' },
        options: { warmupRuns: 2, timedRuns: 20, profileRuns: 3 },
      });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      assert.equal(created.body.jobs, 3);
      assert.equal(created.body.waiting, 2, 'both int8 cells wait for the variant the worker makes');
      const run = await waitForRun(h.url, created.body.runId);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs.map((j: { framework: string; error: unknown }) => [j.framework, j.error])));
      const jobs = run.jobs as { id: string; framework: string; status: string; artifact: { variant: string } }[];
      assert.deepEqual(jobs.map((j) => `${j.framework}/${j.artifact.variant}`).sort(), [
        'native-int8/int8_qdq',
        'onnxruntime/int8_qdq',
        'onnxruntime/original',
      ]);
      assert.ok(jobs.every((j) => j.status === 'succeeded'));

      for (const job of jobs) {
        const detail = (await api(h.url, 'GET', `/results/${job.id}`)).body;
        assert.equal(detail.latenciesMs.length, 20);
        assert.ok(detail.layers.length > 10, `${job.framework}/${job.artifact.variant}: ${detail.layers.length} layers`);
        if (job.artifact.variant === 'original') {
          assert.equal(detail.agreement, null, 'the fp32 model is the reference, it has no agreement figure');
          continue;
        }
        assert.ok(detail.agreement, `${job.framework} int8: no agreement; notes: ${detail.notes.join('; ')}`);
        assert.equal(detail.agreement.referenceFramework, 'onnxruntime (fp32)');
        assert.ok(detail.agreement.cosine > 0.9, `${job.framework} int8 vs fp32 cosine ${detail.agreement.cosine}`);
        assert.ok(detail.agreement.elements > 0);
      }
      const native = (await api(h.url, 'GET', `/results/${jobs.find((j) => j.framework === 'native-int8')!.id}`)).body;
      assert.ok(
        native.layers.some((l: { opType: string }) => l.opType === 'depthwise_conv2d'),
        'the runtime names its own ops',
      );

      const cmp = (await api(h.url, 'GET', `/compare?modelId=${modelId}`)).body;
      for (const label of ['onnxruntime', 'onnxruntime (int8)', 'native-int8 (int8)'])
        assert.ok(cmp.frameworks.includes(label), `compare has no "${label}" column: ${cmp.frameworks.join(', ')}`);

      // The variant's file lost from the store: asking for the same quantization again makes it again (in the worker) and puts it back.
      const variant = (await api(h.url, 'GET', `/models/${modelId}`)).body.artifacts.find((a: { variant: string }) => a.variant === 'int8_qdq') as {
        id: string;
        sha256: string;
      };
      const variantFile = join(h.artifactDir, variant.sha256.slice(0, 2), variant.sha256);
      rmSync(variantFile);
      const again = await api(h.url, 'POST', `/models/${modelId}/quantize`, { calibration: 'percentile' });
      assert.equal(again.status, 202, JSON.stringify(again.body));
      const restored = await waitForConversion(h.url, again.body.id);
      assert.equal(restored.status, 'succeeded', JSON.stringify(restored.error));
      assert.equal(restored.artifactId, variant.id);
      assert.equal(restored.reused, true);
      assert.equal(createHash('sha256').update(readFileSync(variantFile)).digest('hex'), variant.sha256);
    },
  );
});
