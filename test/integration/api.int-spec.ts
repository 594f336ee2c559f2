/**
 * Integration tests of the API process against real Postgres and real Redis (BullMQ's Redis
 * backend): uploads, refusals that leave no trace, matrix validation, and idempotent result
 * ingestion fed by a real ONNX Runtime run. The test plays the agent's HTTP role itself; the
 * full agent is covered by the end-to-end tests.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runIsolated } from '@farm/agent/host/run-isolated';
import { BenchmarkOptionsSchema, OP_CLASSES, type TensorSpec } from '@farm/contracts';
import { oneNodeOnnx } from '../fixtures/onnx-fixtures.js';
import { TINY_PARAM, tinyBin, tinyWeights } from '../fixtures/ncnn-fixtures.js';
import {
  api,
  createTestDatabase,
  enrollAgent,
  registerDevice,
  requireEnv,
  SAMPLE,
  sql,
  startApi,
  startWorker,
  upload,
  uploadBytes,
  waitFor,
  type ApiHandle,
  type EnrolledAgent,
  type WorkerHandle,
  testEnvironment,
  client,
  listDevices,
  listModels,
  local,
} from '../fixtures/stack.js';
import { listAll, unwrap } from '@farm/api-client';

const TABLES = ['models', 'model_artifacts', 'benchmark_runs', 'benchmark_jobs', 'benchmark_results', 'layer_timings'];

async function rowCounts(db: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await sql<{ n: string }>(db, `SELECT count(*)::text AS n FROM ${t}`))[0]!.n);
  return out;
}

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(e.name);
  return out;
}

describe('API against real Postgres and Redis', () => {
  let h: ApiHandle;
  // The worker makes the int8 variant the comparison test quantizes.
  let worker: WorkerHandle;
  let agentHeaders: Record<string, string>;
  let agent: EnrolledAgent;

  beforeAll(async () => {
    const db = await createTestDatabase('api_int');
    // The test registers its device once and sends no heartbeats: a long interval keeps it from going offline (offline devices take no jobs).
    h = await startApi({ databaseUrl: db, redisUrl: requireEnv('TEST_REDIS_URL'), env: { MAX_MODEL_MB: '2', HEARTBEAT_INTERVAL_MS: '600000' } });
    worker = await startWorker(h, { redisUrl: requireEnv('TEST_REDIS_URL') });
    agent = await enrollAgent(h, 'int-agent');
    agentHeaders = agent.headers;
  });
  afterAll(async () => {
    await worker?.kill();
    await h?.kill();
  });

  test('health reports both services with the Redis backend', async () => {
    const r = await api(h.url, 'GET', '/health');
    assert.equal(r.status, 200);
    assert.equal(r.body.queue.backend, 'redis');
    assert.equal(r.body.database.ok, true);
  });

  test('upload detects the format from content and deduplicates by sha256', async () => {
    const first = await upload(h.url, SAMPLE.onnx, { name: 'blazeface' }, 'renamed.bin');
    assert.equal(first.status, 201);
    const art = first.body.model.artifacts[0];
    assert.equal(art.format, 'onnx');
    assert.deepEqual(art.inputs, [{ name: 'input:0', dtype: 'float32', shape: [1, 128, 128, 3] }]);
    assert.equal(art.opHistogram.Conv, 37);
    const again = await upload(h.url, SAMPLE.onnx, {}, 'again.onnx');
    assert.equal(again.status, 200);
    assert.equal(again.body.deduplicated, true);
    assert.equal(again.body.artifactId, first.body.artifactId);
    // An artifact file lost from the store (the database kept) comes back with the next upload of the same bytes.
    const sha = art.sha256 as string;
    const fetchArtifact = () => fetch(`${h.url}/agent/artifacts/${sha}`, { headers: agentHeaders });
    rmSync(join(h.artifactDir, sha.slice(0, 2), sha));
    const lost = await fetchArtifact();
    assert.equal(lost.status, 404);
    const lostBody = (await lost.json()) as { error: { code: string; message: string } };
    assert.equal(lostBody.error.code, 'ARTIFACT_NOT_FOUND');
    assert.match(lostBody.error.message, /upload the same file again/);
    const restored = await upload(h.url, SAMPLE.onnx, {}, 'restore.onnx');
    assert.equal(restored.body.deduplicated, true);
    const back = await fetchArtifact();
    assert.equal(back.status, 200);
    assert.equal(sha256Of(new Uint8Array(await back.arrayBuffer())), sha);
    const tfl = await upload(h.url, SAMPLE.tflite, { modelId: first.body.model.id });
    assert.equal(tfl.status, 201);
    assert.deepEqual(tfl.body.model.artifacts.map((a: { format: string }) => a.format).sort(), ['onnx', 'tflite']);
    const got = await api(h.url, 'GET', `/models/${first.body.model.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.artifacts.length, 2);
  });

  test('garbage, truncated, empty and oversized uploads get a 4xx with a code, and leave no trace', async () => {
    const before = await rowCounts(h.databaseUrl);
    const filesBefore = filesUnder(h.artifactDir).length;
    const onnx = readFileSync(SAMPLE.onnx);
    const cases: [string, Uint8Array, number, string][] = [
      ['garbage', randomBytes(4096), 415, 'MODEL_FORMAT_UNKNOWN'],
      ['text', new TextEncoder().encode('hello, this is not a model\n'), 415, 'MODEL_FORMAT_UNKNOWN'],
      ['truncated onnx', onnx.subarray(0, Math.floor(onnx.length / 2)), 422, 'MODEL_TRUNCATED'],
      ['truncated tflite', readFileSync(SAMPLE.tflite).subarray(0, 50_000), 422, 'MODEL_TRUNCATED'],
      ['empty', new Uint8Array(0), 415, 'MODEL_FORMAT_UNKNOWN'],
      ['oversized', randomBytes(3 * 1024 * 1024), 413, 'MODEL_TOO_LARGE'],
    ];
    for (const [what, bytes, status, code] of cases) {
      const r = await uploadBytes(h.url, bytes, `${what}.onnx`);
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, what);
      assert.ok(r.body.error.message.length > 20, `${what}: message should tell the user what to do`);
    }
    const noFile = await fetch(`${h.url}/models`, { method: 'POST', body: new FormData(), headers: { authorization: `Bearer ${h.apiKey}` } });
    assert.equal(noFile.status, 400);
    assert.deepEqual(await rowCounts(h.databaseUrl), before);
    assert.equal(filesUnder(h.artifactDir).length, filesBefore);
  });

  test('an NCNN model is a .param in "file" plus its .bin in "weights"; mismatches get a 4xx and leave no trace', async () => {
    const post = async (param: Uint8Array, weights?: Uint8Array) => {
      const form = new FormData();
      form.append('file', new Blob([param]), 'tiny.param');
      if (weights) form.append('weights', new Blob([weights]), 'tiny.bin');
      const res = await fetch(`${h.url}/models`, { method: 'POST', body: form, headers: { authorization: `Bearer ${h.apiKey}` } });
      return { status: res.status, body: JSON.parse(await res.text()) };
    };
    const param = new TextEncoder().encode(TINY_PARAM);
    const bin = tinyBin(tinyWeights());
    const before = await rowCounts(h.databaseUrl);
    const filesBefore = filesUnder(h.artifactDir).length;
    const refusals: [string, Promise<{ status: number; body: any }>, number, string][] = [
      ['param without bin', post(param), 400, 'VALIDATION_FAILED'],
      ['bin too short for the param', post(param, bin.subarray(0, 100)), 422, 'MODEL_INVALID'],
      ['weights beside an ONNX model', post(readFileSync(SAMPLE.onnx), bin), 400, 'VALIDATION_FAILED'],
      ['a bin as the model', post(bin), 415, 'MODEL_FORMAT_UNKNOWN'],
    ];
    for (const [what, pending, status, code] of refusals) {
      const r = await pending;
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, what);
    }
    assert.deepEqual(await rowCounts(h.databaseUrl), before);
    assert.equal(filesUnder(h.artifactDir).length, filesBefore);

    const ok = await post(param, bin);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const art = ok.body.model.artifacts[0];
    assert.equal(art.format, 'ncnn');
    assert.deepEqual(art.weights, { sha256: createHash('sha256').update(bin).digest('hex'), sizeBytes: bin.length });
    assert.deepEqual(art.opHistogram, { Input: 1, Convolution: 1, ReLU: 1, ConvolutionDepthWise: 1, Pooling: 1 });
    assert.deepEqual(art.inputs, [{ name: 'data', dtype: 'float32', shape: [3, 8, 8] }]);
    // Both files are in the store, the .bin fetched by agents through its own sha256.
    assert.equal(filesUnder(h.artifactDir).length, filesBefore + 2);
    const fetched = await fetch(`${h.url}/agent/artifacts/${art.weights.sha256}`, { headers: agentHeaders });
    assert.equal(fetched.status, 200);
    assert.deepEqual(new Uint8Array(await fetched.arrayBuffer()), bin);
    // The same .param again with its .bin deduplicates; with another .bin it is refused.
    assert.equal((await post(param, bin)).status, 200);
    const other = tinyBin(tinyWeights(2));
    const clash = await post(param, other);
    assert.equal(clash.status, 422);
    assert.equal(clash.body.error.code, 'MODEL_INVALID');
  });

  describe('benchmarks', () => {
    let modelId: string;
    let fp32ArtifactId: string;
    let deviceId: string;

    beforeAll(async () => {
      const fp32 = (await upload(h.url, SAMPLE.onnx)).body;
      modelId = fp32.model.id;
      fp32ArtifactId = fp32.artifactId;
      deviceId = await registerDevice(h, 'int-1', agent);
    });

    /** A real ONNX Runtime measurement of `modelPath` for `jobId`, as the agent submits it (after telling the API it started). */
    async function measure(jobId: string, modelPath: string, art: { inputs: TensorSpec[]; outputs: TensorSpec[] }, opts: Record<string, number>) {
      const output = await runIsolated('onnxruntime', { modelPath, inputs: art.inputs, outputs: art.outputs, options: BenchmarkOptionsSchema.parse(opts) });
      const started = await fetch(`${h.url}/agent/jobs/${jobId}/started`, {
        method: 'POST',
        headers: agentHeaders,
        body: JSON.stringify({ attempt: 1, startedAt: new Date().toISOString() }),
      });
      assert.equal(started.status, 200);
      const submission = {
        jobId,
        attempt: 1,
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        output: { ...output, layers: output.layers.map((l) => ({ ...l, opClass: 'other' })) },
        environment: testEnvironment(),
      };
      const put = (attempt: number) =>
        fetch(`${h.url}/agent/jobs/${jobId}/result`, { method: 'PUT', headers: agentHeaders, body: JSON.stringify({ ...submission, attempt }) });
      return { output, put };
    }

    test('agent endpoints refuse a missing or wrong token', async () => {
      const none = await api(h.url, 'POST', '/agent/heartbeat', { agentId: deviceId });
      assert.equal(none.status, 401);
      const wrong = await fetch(`${h.url}/agent/heartbeat`, {
        method: 'POST',
        headers: { ...agentHeaders, authorization: 'Bearer not-the-token-at-all' },
        body: '{}',
      });
      assert.equal(wrong.status, 401);
    });

    test('bad requests get 4xx codes and create no run', async () => {
      const before = await rowCounts(h.databaseUrl);
      const t = { deviceIds: [deviceId] };
      const cases: [string, unknown, number, string][] = [
        ['threads 0', { modelId, targets: t, options: { threads: 0 } }, 400, 'VALIDATION_FAILED'],
        ['timedRuns too many', { modelId, targets: t, options: { timedRuns: 1_000_000 } }, 400, 'VALIDATION_FAILED'],
        ['negative warmup', { modelId, targets: t, options: { warmupRuns: -1 } }, 400, 'VALIDATION_FAILED'],
        ['unknown option', { modelId, targets: t, options: { shell: 'rm -rf /' } }, 400, 'VALIDATION_FAILED'],
        ['unknown framework', { modelId, targets: t, frameworks: ['pytorch'] }, 400, 'VALIDATION_FAILED'],
        ['unknown model', { modelId: '00000000-0000-4000-8000-000000000000', targets: t }, 404, 'MODEL_NOT_FOUND'],
        ['unknown device', { modelId, targets: { deviceIds: ['00000000-0000-4000-8000-000000000001'] } }, 404, 'DEVICE_NOT_FOUND'],
        ['framework the device lacks', { modelId, targets: t, frameworks: ['opencv-dnn'] }, 422, 'FRAMEWORK_UNSUPPORTED'],
        ['framework that cannot read the format', { modelId, targets: t, frameworks: ['tflite'] }, 422, 'FRAMEWORK_UNSUPPORTED'],
        ['no device on the platform', { modelId, targets: { platform: 'android' } }, 422, 'NO_MATCHING_DEVICE'],
        ['inputShapes for an unknown input', { modelId, targets: t, options: { inputShapes: { nope: [1] } } }, 400, 'VALIDATION_FAILED'],
        ['inputShapes contradicting a fixed dim', { modelId, targets: t, options: { inputShapes: { 'input:0': [1, 64, 64, 3] } } }, 400, 'VALIDATION_FAILED'],
      ];
      for (const [what, body, status, code] of cases) {
        const r = await api(h.url, 'POST', '/benchmarks', body);
        assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.code, code, what);
      }
      const malformed = await fetch(`${h.url}/benchmarks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
        body: '{"modelId": ',
      });
      assert.equal(malformed.status, 400);
      assert.deepEqual(await rowCounts(h.databaseUrl), before);
    });

    test('a result delivered twice is stored once, with its layers in bulk, and compare shows it', async () => {
      const created = await api(h.url, 'POST', '/benchmarks', {
        modelId,
        targets: { deviceIds: [deviceId] },
        options: { timedRuns: 10, warmupRuns: 2, profileRuns: 2 },
      });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const run = await api(h.url, 'GET', `/benchmarks/${created.body.runId}`);
      assert.equal(run.body.jobs.length, 1);
      const job = run.body.jobs[0];
      assert.equal(job.status, 'queued');

      const art = (await api(h.url, 'GET', `/models/${modelId}`)).body.artifacts[0];
      const { output, put } = await measure(job.id, SAMPLE.onnx, art, { timedRuns: 10, warmupRuns: 2, profileRuns: 2 });
      const [a, b] = await Promise.all([put(1), put(2)]);
      assert.deepEqual([a.status, b.status].sort(), [200, 201]);
      assert.equal((await put(3)).status, 200);

      const results = await sql<{ n: string }>(h.databaseUrl, 'SELECT count(*)::text AS n FROM benchmark_results WHERE job_id = $1', [job.id]);
      assert.equal(results[0]!.n, '1');
      const layers = await sql<{ n: string; share: number }>(
        h.databaseUrl,
        'SELECT count(*)::text AS n, sum(share) AS share FROM layer_timings l JOIN benchmark_results r ON r.id = l.result_id WHERE r.job_id = $1',
        [job.id],
      );
      assert.equal(Number(layers[0]!.n), output.layers.length);
      assert.ok(Math.abs(Number(layers[0]!.share) - 1) < 1e-9);

      const res = await api(h.url, 'GET', `/results/${job.id}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.latenciesMs, output.latenciesMs);
      const sorted = [...output.latenciesMs].sort((x, y) => x - y);
      assert.equal(res.body.stats.medianMs, (sorted[4]! + sorted[5]!) / 2);
      assert.equal(res.body.layers.length, output.layers.length);

      const status = await api(h.url, 'GET', `/benchmarks/${created.body.runId}`);
      assert.equal(status.body.status, 'succeeded');
      const cmp = await api(h.url, 'GET', `/compare?modelId=${modelId}`);
      assert.equal(cmp.status, 200);
      assert.deepEqual(cmp.body.frameworks, ['onnxruntime']);
      assert.equal(cmp.body.cells[0].medianMs, res.body.stats.medianMs);
      assert.equal((await api(h.url, 'GET', `/benchmarks/${created.body.runId}/results`)).body.results.length, 1);
    });

    test('compare: each cell has its median CI and robust spread, the two cells of the device a verdict; old rows read the same', async () => {
      // A second cell on the device: ONNX Runtime on the int8 variant, measured for real like the fp32 one.
      const opts = { timedRuns: 15, warmupRuns: 2, profileRuns: 1 };
      const created = await api(h.url, 'POST', '/benchmarks', {
        modelId,
        targets: { deviceIds: [deviceId] },
        quantize: { calibration: 'percentile' },
        options: opts,
      });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const jobs = await waitFor('the int8 cell to be queued on its variant', async () => {
        const run = (await api(h.url, 'GET', `/benchmarks/${created.body.runId}`)).body.jobs as { id: string; status: string; artifact: { id: string } }[];
        return run.every((j) => j.status === 'queued') ? run : undefined;
      });
      assert.equal(jobs.length, 2);
      const artifacts = (await api(h.url, 'GET', `/models/${modelId}`)).body.artifacts as {
        id: string;
        variant: string;
        sha256: string;
        inputs: TensorSpec[];
        outputs: TensorSpec[];
      }[];
      for (const job of jobs) {
        const art = artifacts.find((x) => x.id === job.artifact.id)!;
        const path = art.variant === 'original' ? SAMPLE.onnx : join(h.artifactDir, art.sha256.slice(0, 2), art.sha256);
        assert.equal((await (await measure(job.id, path, art, opts)).put(1)).status, 201);
      }

      const cmp = (await api(h.url, 'GET', `/compare?modelId=${modelId}`)).body;
      assert.deepEqual(cmp.frameworks, ['onnxruntime', 'onnxruntime (int8)']);
      assert.equal(cmp.noisySpread, 0.1);
      assert.equal(cmp.noisyCv, undefined, 'noisy is judged on robust spread only');
      for (const c of cmp.cells) {
        const r = (await api(h.url, 'GET', `/results/${c.jobId}`)).body;
        assert.deepEqual(c.medianCi, r.stats.medianCi);
        assert.ok(c.medianCi.lowMs <= c.medianMs && c.medianMs <= c.medianCi.highMs, `${c.framework}: the median lies in its interval`);
        assert.ok(c.medianCi.level >= 0.95);
        assert.equal(c.robustSpread, r.stats.robustSpread);
        assert.ok(Math.abs(c.robustSpread - c.iqrMs / c.medianMs) < 1e-12);
        assert.ok(c.madMs >= 0 && c.outliersLow + c.outliersHigh <= c.runs);
        assert.ok(c.layerBasis === 'ms' || c.layerBasis === 'shares');
        assert.ok(Math.abs(c.layerSumRatio - c.layerSumMs / c.medianMs) < 1e-9);
        // Milliseconds per op class only when the layer sum matches the median; shares always.
        for (const o of c.opClasses)
          assert.equal(o.timeMs === null, c.layerBasis === 'shares', `${c.framework} ${o.opClass}: timeMs ${o.timeMs} with basis ${c.layerBasis}`);
        assert.ok(Math.abs(c.opClasses.reduce((s: number, o: { share: number }) => s + o.share, 0) - 1) < 1e-9);
        // /compare reads stored per-class sums, not layers: its figures equal those made here from the result's layers.
        assert.ok(r.layers.length > 0);
        assert.deepEqual(c.opClasses, opClassesFromLayers(r.layers, c.layerBasis), `${c.framework}: op classes from the layers`);
      }

      assert.equal(cmp.pairs.length, 1, 'two cells on one device make one pair');
      const p = cmp.pairs[0];
      const [ca, cb] = [cmp.cells.find((c: { jobId: string }) => c.jobId === p.a.jobId), cmp.cells.find((c: { jobId: string }) => c.jobId === p.b.jobId)];
      assert.ok(ca && cb && ca !== cb);
      assert.equal(p.deviceId, deviceId);
      assert.ok(ca.medianMs <= cb.medianMs, 'a is the cell with the lower median');
      assert.ok(Math.abs(p.ratio - ca.medianMs / cb.medianMs) < 1e-12);
      assert.ok(p.low <= p.ratio && p.ratio <= p.high && p.level === 0.95);
      assert.equal(p.verdict, p.high < 1 ? 'faster' : p.low > 1 ? 'slower' : 'same');
      assert.match(
        p.text,
        p.verdict === 'same'
          ? /^onnxruntime(?: \(int8\))? vs onnxruntime(?: \(int8\))?: no detectable difference \(ratio \d\.\d\d \[\d\.\d\d, \d\.\d\d\]\)$/
          : /^onnxruntime(?: \(int8\))? is (?:faster|slower) than onnxruntime(?: \(int8\))? by \d+% \[\d+%, \d+%\]$/,
      );
      assert.deepEqual((await api(h.url, 'GET', `/compare?modelId=${modelId}`)).body.pairs, cmp.pairs, 'the bootstrap is seeded');

      // Rows stored before the robust columns existed have them null: the same figures come from the raw latencies and layers.
      const nulls = [
        'mad_ms',
        'iqr_ms',
        'robust_spread',
        'outliers_low',
        'outliers_high',
        'median_ci_low_ms',
        'median_ci_high_ms',
        'median_ci_level',
        'layer_sum_ms',
        'layer_sum_ratio',
        'layer_basis',
        'layer_note',
      ];
      await sql(h.databaseUrl, `UPDATE benchmark_results SET ${nulls.map((c) => `${c} = NULL`).join(', ')} WHERE job_id = ANY($1::uuid[])`, [
        jobs.map((j) => j.id),
      ]);
      const again = (await api(h.url, 'GET', `/compare?modelId=${modelId}`)).body;
      assert.deepEqual(again, cmp);
      // Rows stored before the op-class summary: the migration's backfill (SQL over the layer rows) gives the same figures.
      await sql(h.databaseUrl, 'UPDATE benchmark_results SET op_class_summary = NULL WHERE job_id = ANY($1::uuid[])', [jobs.map((j) => j.id)]);
      assert.deepEqual((await api(h.url, 'GET', `/compare?modelId=${modelId}`)).body, cmp, 'without a summary the layers are read');
      await sql(h.databaseUrl, compareSummaryBackfill());
      const summaries = await sql<{ s: unknown }>(h.databaseUrl, 'SELECT op_class_summary AS s FROM benchmark_results WHERE job_id = ANY($1::uuid[])', [
        jobs.map((j) => j.id),
      ]);
      assert.ok(summaries.length === 2 && summaries.every((x) => x.s !== null), 'the backfill filled the summaries');
      assert.deepEqual((await api(h.url, 'GET', `/compare?modelId=${modelId}`)).body, cmp, 'backfilled summaries read the same');
    });

    test('a dynamic input dim needs options.inputShapes', async () => {
      const dyn = await uploadBytes(h.url, oneNodeOnnx('Relu', ['N', 3]), 'dynamic.onnx');
      assert.equal(dyn.status, 201);
      const dynModel = dyn.body.model.id;
      const refused = await api(h.url, 'POST', '/benchmarks', { modelId: dynModel, targets: { deviceIds: [deviceId] } });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'DYNAMIC_SHAPE_UNRESOLVED');
      assert.match(refused.body.error.message, /inputShapes/);
      const ok = await api(h.url, 'POST', '/benchmarks', { modelId: dynModel, targets: { deviceIds: [deviceId] }, options: { inputShapes: { x: [4, 3] } } });
      assert.equal(ok.status, 202, JSON.stringify(ok.body));
      await api(h.url, 'DELETE', `/benchmarks/${ok.body.runId}`);
    });

    test('DELETE cancels the jobs still queued', async () => {
      // The device has no agent consuming its queue, so the jobs stay waiting.
      // Only the fp32 artifact: the model also has an int8 variant by now.
      const created = await api(h.url, 'POST', '/benchmarks', {
        modelId,
        artifactIds: [fp32ArtifactId],
        targets: { deviceIds: [deviceId] },
        options: [{ threads: 1 }, { threads: 2 }],
      });
      assert.equal(created.status, 202);
      assert.equal(created.body.jobs, 2);
      const del = await api(h.url, 'DELETE', `/benchmarks/${created.body.runId}`);
      assert.equal(del.status, 200);
      assert.equal(del.body.cancelled, 2);
      const st = await api(h.url, 'GET', `/benchmarks/${created.body.runId}`);
      assert.equal(st.body.status, 'cancelled');
      assert.deepEqual(
        st.body.jobs.map((j: { status: string }) => j.status),
        ['cancelled', 'cancelled'],
      );
    });

    test('unknown ids are 404 with codes, never 500', async () => {
      for (const path of [
        '/benchmarks/00000000-0000-4000-8000-000000000000',
        '/benchmarks/not-a-uuid',
        '/results/00000000-0000-4000-8000-000000000000',
        '/models/zzz',
        '/compare?modelId=00000000-0000-4000-8000-000000000000',
      ]) {
        const r = await api(h.url, 'GET', path);
        assert.equal(r.status, 404, path);
        assert.match(r.body.error.code, /_NOT_FOUND$/);
      }
      assert.equal((await api(h.url, 'GET', '/compare')).status, 400);
    });
  });

  test('lists are paged: limit and an opaque cursor, newest models first, no item skipped or repeated when one is added meanwhile', async () => {
    const farm = client(h.url);
    const uploadTiny = async (n: number) =>
      (await uploadBytes(h.url, oneNodeOnnx('Relu', [1, n]), `paged-${n}.onnx`, { name: `paged-${n}` })).body.model.id as string;
    for (const n of [101, 102, 103]) await uploadTiny(n);
    const all = await listModels(h.url);
    const first = local(await unwrap(farm.GET('/models', { params: { query: { limit: 2 } } })));
    assert.equal(first.items.length, 2);
    assert.deepEqual(
      first.items.map((m) => m.id),
      all.slice(0, 2).map((m) => m.id),
    );
    assert.ok(first.nextCursor, 'more pages follow');
    const added = await uploadTiny(104);
    assert.equal(
      all.some((m) => m.id === added),
      false,
    );
    const rest = await listAll((cursor) => farm.GET('/models', { params: { query: { limit: 2, cursor: cursor ?? first.nextCursor! } } }));
    assert.deepEqual(
      rest.map((m) => m.id),
      all.slice(2).map((m) => m.id),
      'the pages after the first hold exactly the older models, once each; the one added meanwhile is on no later page',
    );
    assert.equal((await listModels(h.url))[0]!.id, added, 'newest first');
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['offset=3', 'offset'],
    ]) {
      const r = await api(h.url, 'GET', `/models?${query}`);
      assert.equal(r.status, 400, query);
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      assert.match(r.body.error.message, new RegExp(field));
    }
    await registerDevice(h, 'paged-desk');
    const devices = local(await unwrap(farm.GET('/devices', { params: { query: { limit: 1 } } })));
    const allDevices = await listDevices(h.url);
    assert.ok(allDevices.length >= 2);
    assert.equal(devices.items.length, 1);
    assert.equal(devices.items[0]!.id, allDevices[0]!.id, 'devices in registration order');
    assert.ok(devices.nextCursor, 'more devices follow');
  });

  test('suites and regressions are paged like the other lists: suites oldest first, regressions filtered and newest first', async () => {
    const farm = client(h.url);
    const up = await uploadBytes(h.url, oneNodeOnnx('Relu', [1, 201]), 'paged-suite.onnx', { slug: 'paged-suite' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const r = await api(h.url, 'POST', '/suites', { name: `paged suite ${n}`, spec: { models: [{ slug: 'paged-suite' }], targets: { platform: 'linux' } } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      ids.push(r.body.id);
    }
    const first = local(await unwrap(farm.GET('/suites', { params: { query: { limit: 2 } } })));
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor, 'more suites follow');
    const rest = await listAll((cursor) => farm.GET('/suites', { params: { query: { limit: 2, cursor: cursor ?? first.nextCursor! } } }));
    const seen = [...first.items, ...rest].map((s) => s.id);
    assert.deepEqual(
      seen.filter((id) => ids.includes(id)),
      ids,
      'oldest first, each suite once',
    );
    assert.equal(new Set(seen).size, seen.length, 'no suite repeated across pages');

    const none = await api(h.url, 'GET', `/regressions?suiteId=${ids[0]}&state=open&limit=5`);
    assert.equal(none.status, 200, JSON.stringify(none.body));
    assert.deepEqual(none.body, { items: [], nextCursor: null });
    for (const [path, field] of [
      ['/suites?limit=0', 'limit'],
      ['/suites?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['/regressions?limit=1001', 'limit'],
      ['/regressions?state=open&cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['/regressions?offset=3', 'offset'],
    ]) {
      const r = await api(h.url, 'GET', path!);
      assert.equal(r.status, 400, path);
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      assert.match(r.body.error.message, new RegExp(field!));
    }
  });
});

/** The op-class breakdown /compare promises, computed here from a result's layers (in idx order). */
function opClassesFromLayers(layers: { opClass: string; timeMs: number }[], basis: string | null): { opClass: string; share: number; timeMs: number | null }[] {
  const total = layers.reduce((s, l) => s + l.timeMs, 0);
  const sums = new Map<string, number>();
  for (const l of layers) sums.set(l.opClass, (sums.get(l.opClass) ?? 0) + l.timeMs);
  return OP_CLASSES.filter((c) => sums.has(c))
    .map((c) => ({ opClass: c, share: sums.get(c)! / total, timeMs: basis === 'ms' || basis === 'estimated' ? sums.get(c)! : null }))
    .sort((a, b) => b.share - a.share);
}

/** The backfill part of the migration that added the op-class summary and compare_cells. */
function compareSummaryBackfill(): string {
  const dir = readdirSync('prisma/migrations').find((d) => d.endsWith('_compare_summary'))!;
  const text = readFileSync(join('prisma/migrations', dir, 'migration.sql'), 'utf8');
  return text.slice(text.indexOf('-- backfill:begin'), text.indexOf('-- backfill:end'));
}
