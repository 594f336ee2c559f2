/**
 * Models as users bring them, end to end through the real API, agent, Postgres, Redis and ONNX
 * Runtime: a graph that branches on an int64 sample-rate input fails with synthetic values, once,
 * classified as invalid input with a hint naming the input, and runs when the request gives the
 * value; input specifications that do not fit the model are refused at POST /benchmarks.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sampleRateBranchOnnx } from '../fixtures/onnx-fixtures.js';
import { float32TensorProto, npyBytes } from '../fixtures/tensor-files.js';
import { tfliteCustomOp } from '../fixtures/tflite-fixtures.js';
import {
  api,
  createTestDatabase,
  requireEnv,
  ROOT,
  sql,
  startAgent,
  startApi,
  startWorker,
  upload,
  SAMPLE,
  uploadBytes,
  waitForRun,
  listDevices,
  type AgentHandle,
  type ApiHandle,
  type WorkerHandle,
} from '../fixtures/stack.js';

describe('model inputs and engine error classes (real API, agent and ONNX Runtime)', () => {
  let h: ApiHandle;
  let agent: AgentHandle;
  // Makes the int8 variants (quantization runs in the worker).
  let worker: WorkerHandle;
  let deviceId: string;
  let modelId: string;
  const redisUrl = requireEnv('TEST_REDIS_URL');
  const quick = { timedRuns: 3, warmupRuns: 0, profileRuns: 0 };

  beforeAll(async () => {
    h = await startApi({ databaseUrl: await createTestDatabase('inputs_e2e'), redisUrl });
    worker = await startWorker(h, { redisUrl });
    agent = await startAgent(h, { redisUrl });
    const up = await uploadBytes(h.url, sampleRateBranchOnnx(), 'sample-rate-branch.onnx', { name: 'sample-rate-branch' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    modelId = up.body.model.id;
    deviceId = (await listDevices(h.url))[0]!.id;
  });

  afterAll(async () => {
    await agent?.kill();
    await worker?.kill();
    await h?.kill();
  });

  const bench = (options: object) =>
    api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [deviceId] }, frameworks: ['onnxruntime'], options: { ...quick, ...options } });

  test('synthetic inputs send the graph down its failing branch: invalid input, a hint naming `sr`, one attempt', async () => {
    const created = await bench({});
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const run = await waitForRun(h.url, created.body.runId, 120_000);
    const job = run.jobs[0];
    assert.equal(job.status, 'failed');
    assert.equal(job.error!.code, 'RUNNER_INVALID_INPUT');
    assert.equal(job.error!.class, 'invalid_input');
    assert.match(job.error!.message!, /running If node/, 'ONNX Runtime’s own message is kept');
    assert.match(job.error!.hint!, /input `sr` \(int64 scalar\) needs a value/);
    assert.match(job.error!.hint!, /options\.inputs\.sr/);
    assert.equal(job.attempts, 1, 'an invalid input is not retried');
  });

  test('the same model runs when the request gives sr, and the result says which inputs were given', async () => {
    const created = await bench({ inputs: { sr: { kind: 'constant', value: 16000 } } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const run = await waitForRun(h.url, created.body.runId, 120_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs[0].error));
    const result = await api(h.url, 'GET', `/results/${run.jobs[0].id}`);
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.deepEqual(result.body.inputSources, { x: 'synthetic', sr: 'constant' });
    const rows = await sql<{ input_sources: unknown }>(h.databaseUrl, 'SELECT input_sources FROM benchmark_results WHERE job_id = $1', [run.jobs[0].id]);
    assert.deepEqual(rows[0]!.input_sources, { x: 'synthetic', sr: 'constant' });
  });

  test('input specifications that do not fit the model are refused before anything is queued', async () => {
    const before = await sql<{ n: string }>(h.databaseUrl, 'SELECT count(*)::text AS n FROM benchmark_jobs');
    const cases: [object, number, string, RegExp][] = [
      [{ rate: { kind: 'constant', value: 16000 } }, 422, 'INPUT_SPEC_MISMATCH', /options\.inputs\["rate"\]: not an input of this model/],
      [{ sr: { kind: 'constant', value: 16000.5 } }, 422, 'INPUT_SPEC_MISMATCH', /16000\.5 does not fit int64/],
      [{ x: { kind: 'constant', value: [1, 2, 3] } }, 422, 'INPUT_SPEC_MISMATCH', /3 values given; the input is float32 \[1, 16\], 16 elements/],
      [{ sr: { kind: 'uniform', min: 0, max: 1 } }, 422, 'INPUT_SPEC_MISMATCH', /"uniform" draws floats/],
      [{ sr: { kind: 'constant' } }, 400, 'VALIDATION_FAILED', /value/],
      [{ x: { kind: 'constant', value: Array.from({ length: 5000 }, () => 0) } }, 400, 'VALIDATION_FAILED', /4096/],
    ];
    for (const [inputs, status, code, message] of cases) {
      const r = await bench({ inputs });
      assert.equal(r.status, status, JSON.stringify({ inputs, body: r.body }).slice(0, 500));
      assert.equal(r.body.error.code, code);
      assert.match(`${r.body.error.message} ${JSON.stringify(r.body.error.details ?? null)}`, message);
    }
    const after = await sql<{ n: string }>(h.databaseUrl, 'SELECT count(*)::text AS n FROM benchmark_jobs');
    assert.equal(after[0]!.n, before[0]!.n, 'nothing queued');
  });

  test('uploaded tensors (.npy, TensorProto .pb) feed named inputs; the result records them as files', async () => {
    const sr = await uploadBytes(h.url, npyBytes('<i8', [], BigInt64Array.from([16000n])), 'sr.npy', {}, '/tensors');
    assert.equal(sr.status, 201, JSON.stringify(sr.body));
    assert.deepEqual([sr.body.format, sr.body.dtype, sr.body.shape], ['npy', 'int64', []]);
    const ones = await uploadBytes(h.url, float32TensorProto([1, 16], new Float32Array(16).fill(1)), 'x.pb', {}, '/tensors');
    const twos = await uploadBytes(h.url, npyBytes('<f4', [1, 16], new Float32Array(16).fill(2)), 'x2.npy', {}, '/tensors');
    assert.equal(ones.status, 201, JSON.stringify(ones.body));
    assert.equal(ones.body.format, 'onnx-pb');

    const digests: string[] = [];
    for (const x of [ones.body.id, twos.body.id]) {
      const created = await bench({ inputs: { sr: { kind: 'file', tensorId: sr.body.id }, x: { kind: 'file', tensorId: x } } });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const run = await waitForRun(h.url, created.body.runId, 120_000);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs[0].error));
      const result = (await api(h.url, 'GET', `/results/${run.jobs[0].id}`)).body;
      assert.deepEqual(result.inputSources, { x: 'file', sr: 'file' });
      digests.push(result.outputDigest);
    }
    assert.notEqual(digests[0], digests[1], 'the uploaded values reached the engine');

    // A tensor whose shape or dtype does not fit the input is refused before anything is queued.
    const wrong = await bench({ inputs: { x: { kind: 'file', tensorId: sr.body.id } } });
    assert.equal(wrong.status, 422, JSON.stringify(wrong.body));
    assert.equal(wrong.body.error.code, 'INPUT_SPEC_MISMATCH');
    assert.match(wrong.body.error.message, /is int64; the input is float32 \[1, 16\]/);
    const unknown = await bench({ inputs: { x: { kind: 'file', tensorId: '00000000-0000-4000-8000-000000000000' } } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'TENSOR_NOT_FOUND');
    const short = npyBytes('<f4', [1, 16], new Float32Array(8));
    const bad = await uploadBytes(h.url, short, 'short.npy', {}, '/tensors');
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.equal(bad.body.error.code, 'TENSOR_INVALID');
    assert.match(bad.body.error.message, /holds 32 bytes; shape \[1, 16\] of float32 needs 64/);
  });

  test('a TFLite custom op is listed at upload, refused at POST /benchmarks with its name, and with tryAnyway fails once', async () => {
    const up = await uploadBytes(h.url, tfliteCustomOp('FarmCustomOp'), 'custom-op.tflite', { name: 'custom-op' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const artifact = up.body.model.artifacts[0];
    assert.deepEqual(artifact.customOps, [{ op: 'FarmCustomOp', domain: 'tflite-custom', count: 1 }]);
    const tflite = artifact.verdicts.find((v: { framework: string }) => v.framework === 'tflite');
    assert.equal(tflite.verdict, 'not_runnable');
    assert.equal(tflite.reasons[0].op, 'FarmCustomOp');

    // The CLI shows the same verdicts beside the model.
    const cli = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), 'models', '--api', h.url], {
        env: { ...process.env, FARM_API_KEY: h.apiKey },
      });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('close', (code) => resolve({ code, out }));
    });
    assert.equal(cli.code, 0, cli.out);
    assert.match(cli.out, /custom-op .*tflite\/original +tflite NO +tflite-custom::FarmCustomOp/);
    assert.match(cli.out, /custom-op tflite\/original: tflite cannot run it: custom op FarmCustomOp/);
    assert.match(cli.out, /sample-rate-branch .*onnx\/original +onnxruntime yes, opencv-dnn NO, native-int8 NO/);

    const request = { modelId: up.body.model.id, targets: { deviceIds: [deviceId] }, frameworks: ['tflite'], options: quick };
    const refused = await api(h.url, 'POST', '/benchmarks', request);
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'FRAMEWORK_CANNOT_RUN');
    assert.match(refused.body.error.message, /^tflite cannot run custom-op\.tflite .*custom op FarmCustomOp/);
    assert.deepEqual(refused.body.error.details.ops, ['FarmCustomOp']);

    const tried = await api(h.url, 'POST', '/benchmarks', { ...request, tryAnyway: true });
    assert.equal(tried.status, 202, JSON.stringify(tried.body));
    const run = await waitForRun(h.url, tried.body.runId, 120_000);
    const job = run.jobs[0];
    assert.equal(job.status, 'failed');
    assert.equal(job.error!.code, 'RUNNER_MODEL_REJECTED');
    assert.match(job.error!.message!, /FarmCustomOp/, 'the engine’s own words name the op');
    assert.equal(job.attempts, 1, 'failed once, not three times');
  });

  test('calibration tensors uploaded as .npy change the int8 agreement figures, and the result says real data was used', async () => {
    const up = await upload(h.url, SAMPLE.onnx, { name: 'blazeface-calibration' });
    assert.ok(up.status === 201 || up.status === 200, JSON.stringify(up.body));
    const blazeface = up.body.model.id;
    const fp32Id = up.body.model.artifacts.find((a: { format: string }) => a.format === 'onnx').id;
    // Four samples unlike the benchmark's synthetic inputs: small positive values (an image normalised to [0, 0.1)).
    const tensorIds: string[] = [];
    for (let s = 0; s < 4; s++) {
      const data = Float32Array.from({ length: 128 * 128 * 3 }, (_, i) => (((i * 7919 + s * 104729) % 1000) / 1000) * 0.1);
      const t = await uploadBytes(h.url, npyBytes('<f4', [1, 128, 128, 3], data), `calib-${s}.npy`, {}, '/tensors');
      assert.equal(t.status, 201, JSON.stringify(t.body));
      tensorIds.push(t.body.id);
    }
    const set = await api(h.url, 'POST', '/calibration-sets', { tensorIds });
    assert.equal(set.status, 201, JSON.stringify(set.body));
    assert.equal(set.body.samples, 4);

    const int8Agreement = async (quantize: object) => {
      const created = await api(h.url, 'POST', '/benchmarks', {
        modelId: blazeface,
        // The fp32 artifact only: each request's int8 cell is then the variant its own calibration makes.
        artifactIds: [fp32Id],
        targets: { deviceIds: [deviceId] },
        frameworks: ['onnxruntime'],
        quantize,
        options: quick,
      });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const run = await waitForRun(h.url, created.body.runId, 300_000);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs.map((j: { error: unknown }) => j.error)));
      const int8 = run.jobs.find((j: { artifact: { variant: string } }) => j.artifact.variant === 'int8_qdq');
      return (await api(h.url, 'GET', `/results/${int8!.id}`)).body.agreement;
    };
    const synthetic = await int8Agreement({ calibration: 'minmax' });
    const real = await int8Agreement({ calibration: 'minmax', calibrationSetId: set.body.id });
    console.log(
      `int8 vs fp32 on the benchmark's inputs: synthetic calibration cosine ${synthetic.cosine}, max abs ${synthetic.maxAbsError}; uploaded calibration cosine ${real.cosine}, max abs ${real.maxAbsError}`,
    );
    assert.equal(synthetic.syntheticCalibration, true);
    assert.equal(real.syntheticCalibration, false);
    assert.notEqual(real.cosine, synthetic.cosine, 'other calibration data, other ranges, other agreement');
    assert.notEqual(real.maxAbsError, synthetic.maxAbsError);

    // A set that does not fit the model's input is refused before anything is made.
    const other = await uploadBytes(h.url, npyBytes('<f4', [1, 16], new Float32Array(16)), 'small.npy', {}, '/tensors');
    const wrongSet = await api(h.url, 'POST', '/calibration-sets', { tensorIds: [other.body.id] });
    const refused = await api(h.url, 'POST', `/models/${blazeface}/quantize`, { calibrationSetId: wrongSet.body.id });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'CALIBRATION_SET_MISMATCH');
    assert.match(refused.body.error.message, /input "input:0" is \[1, 128, 128, 3\], the samples are \[1, 16\]/);
  });
});
