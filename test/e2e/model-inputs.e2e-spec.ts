/**
 * Models as users bring them, end to end through the real API, agent, Postgres, Redis and ONNX
 * Runtime: a graph that branches on an int64 sample-rate input fails with synthetic values, once,
 * classified as invalid input with a hint naming the input, and runs when the request gives the
 * value; input specifications that do not fit the model are refused at POST /benchmarks.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { sampleRateBranchOnnx } from '../fixtures/onnx-fixtures.js';
import {
  api,
  createTestDatabase,
  requireEnv,
  sql,
  startAgent,
  startApi,
  uploadBytes,
  waitForRun,
  type AgentHandle,
  type ApiHandle,
} from '../fixtures/stack.js';

describe('model inputs and engine error classes (real API, agent and ONNX Runtime)', () => {
  let h: ApiHandle;
  let agent: AgentHandle;
  let deviceId: string;
  let modelId: string;
  const redisUrl = requireEnv('TEST_REDIS_URL');
  const quick = { timedRuns: 3, warmupRuns: 0, profileRuns: 0 };

  beforeAll(async () => {
    h = await startApi({ databaseUrl: await createTestDatabase('inputs_e2e'), redisUrl });
    agent = await startAgent(h, { redisUrl });
    const up = await uploadBytes(h.url, sampleRateBranchOnnx(), 'sample-rate-branch.onnx', { name: 'sample-rate-branch' });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    modelId = up.body.model.id;
    deviceId = (await api(h.url, 'GET', '/devices')).body[0].id;
  });

  afterAll(async () => {
    await agent?.kill();
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
    assert.equal(job.error.code, 'RUNNER_INVALID_INPUT');
    assert.equal(job.error.class, 'invalid_input');
    assert.match(job.error.message, /running If node/, 'ONNX Runtime’s own message is kept');
    assert.match(job.error.hint, /input `sr` \(int64 scalar\) needs a value/);
    assert.match(job.error.hint, /options\.inputs\.sr/);
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
});
