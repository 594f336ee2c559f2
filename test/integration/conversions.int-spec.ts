/**
 * Quantization as a queued conversion, on a real API, a real worker and real Postgres and Redis:
 * POST /models/:id/quantize answers 202 with a conversion that the worker makes in a capped child
 * process; a benchmark with `quantize` stores its int8 cells waiting and queues them on the variant
 * once it exists; a child killed mid-way leaves the API answering and the conversion retried; a
 * worker killed mid-way takes its child with it and the next worker finishes the conversion; a
 * conversion that fails fails the cells waiting for it with its reason; oversized calibration is
 * refused at request time with the numbers.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviceQueueName } from '@farm/contracts';
import { createQueueFactory } from '@farm/queue';
import { oneNodeOnnx } from '../fixtures/onnx-fixtures.js';
import {
  api,
  createTestDatabase,
  registerDevice,
  requireEnv,
  ROOT,
  SAMPLE,
  sql,
  startApi,
  startWorker,
  upload,
  uploadBytes,
  waitFor,
  waitForConversion,
  type ApiHandle,
  type WorkerHandle,
} from '../fixtures/stack.js';

const BLAZEFACE_BACK = join(ROOT, '.cache/models/blazeface_back_256.onnx');

describe('conversions through the worker', () => {
  const redisUrl = requireEnv('TEST_REDIS_URL');
  let h: ApiHandle;
  let worker: WorkerHandle;
  let deviceId: string;

  beforeAll(async () => {
    const db = await createTestDatabase('conv_int');
    h = await startApi({ databaseUrl: db, redisUrl, env: { HEARTBEAT_INTERVAL_MS: '600000' } });
    worker = await startWorker(h, { redisUrl });
    deviceId = await registerDevice(h, 'conv-device');
  });
  afterAll(async () => {
    await worker?.kill();
    await h?.kill();
  });

  test('quantize: 202 with a conversion to poll, the worker makes the variant, asking again reuses it with 200', async () => {
    const modelId = (await upload(h.url, SAMPLE.onnx, { name: 'blazeface' })).body.model.id;
    const created = await api(h.url, 'POST', `/models/${modelId}/quantize`, { calibration: 'percentile' });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.ok(['queued', 'running'].includes(created.body.status));
    assert.equal(created.body.artifactId, null);

    const done = await waitForConversion(h.url, created.body.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.reused, false);
    assert.equal(done.attempts, 1);
    assert.equal((done.report as { syntheticCalibration?: boolean }).syntheticCalibration, true);
    const variant = (await api(h.url, 'GET', `/models/${modelId}`)).body.artifacts.find((a: { id: string }) => a.id === done.artifactId);
    assert.equal(variant.variant, 'int8_qdq');
    assert.equal(variant.derivedFromId, done.sourceArtifactId);
    assert.equal(
      createHash('sha256')
        .update(readFileSync(join(h.artifactDir, variant.sha256.slice(0, 2), variant.sha256)))
        .digest('hex'),
      variant.sha256,
    );
    assert.match(worker.log(), new RegExp(`conversion ${done.id}: quantizing artifact \\S+ \\(percentile\\) in child pid \\d+`));

    const again = await api(h.url, 'POST', `/models/${modelId}/quantize`, { calibration: 'percentile' });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, done.id);
    assert.equal(again.body.artifactId, done.artifactId);
    assert.equal(again.body.reused, true);
    assert.equal((await api(h.url, 'GET', `/conversions/${done.id}`)).body.status, 'succeeded');
    assert.equal((await api(h.url, 'GET', '/conversions/00000000-0000-4000-8000-000000000000')).body.error.code, 'CONVERSION_NOT_FOUND');
  });

  test('a benchmark with quantize stores its int8 cell waiting, then queues it on the variant', async () => {
    // The model of the first test (same bytes): the fp32 artifact alone, quantized with a calibration not made yet.
    const { model, artifactId } = (await upload(h.url, SAMPLE.onnx)).body;
    const created = await api(h.url, 'POST', '/benchmarks', {
      modelId: model.id,
      artifactIds: [artifactId],
      targets: { deviceIds: [deviceId] },
      quantize: { calibration: 'minmax' },
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.equal(created.body.jobs, 2);
    assert.equal(created.body.queued, 1);
    assert.equal(created.body.waiting, 1);
    assert.equal(created.body.conversions.length, 1);
    const runId = created.body.runId;
    const first = (await api(h.url, 'GET', `/benchmarks/${runId}`)).body;
    const int8 = first.jobs.find((j: { artifact: { variant: string } }) => j.artifact.variant === 'int8_qdq');
    // Either still waiting, or already released by a fast worker; never queued on the fp32 artifact.
    if (int8.status === 'waiting') assert.equal(int8.artifact.id, null);

    const conversion = await waitForConversion(h.url, created.body.conversions[0].id);
    assert.equal(conversion.status, 'succeeded');
    const released = await waitFor('the int8 cell to be queued', async () => {
      const run = (await api(h.url, 'GET', `/benchmarks/${runId}`)).body;
      const j = run.jobs.find((x: { id: string }) => x.id === int8.id);
      return j.status === 'queued' ? j : undefined;
    });
    assert.equal(released.artifact.id, conversion.artifactId);
    assert.equal(released.artifact.variant, 'int8_qdq');
    const queue = createQueueFactory({ kind: 'redis', url: redisUrl }).createQueue<{ model: { artifactId: string }; reference?: { artifactId: string } }>(
      deviceQueueName(deviceId),
    );
    try {
      const job = await queue.getJob(int8.id);
      assert.ok(job, 'the released job is on its device queue');
      assert.equal(job.data.model.artifactId, conversion.artifactId);
      assert.equal(job.data.reference?.artifactId, conversion.sourceArtifactId, 'the fp32 source is the agreement reference');
    } finally {
      await queue.close();
    }
  });

  test('calibration inputs above MAX_CALIBRATION_MB are refused at request time, with the numbers, and nothing is queued', async () => {
    const modelId = (await uploadBytes(h.url, oneNodeOnnx('Relu', [1, 3, 100000, 100000]), 'huge.onnx')).body.model.id;
    for (const [path, body] of [
      [`/models/${modelId}/quantize`, {}],
      ['/benchmarks', { modelId, targets: { deviceIds: [deviceId] }, quantize: { calibration: 'percentile' } }],
    ] as const) {
      const r = await api(h.url, 'POST', path, body);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'CALIBRATION_TOO_LARGE');
      assert.match(r.body.error.message, /would allocate 457763\.7 MiB of calibration inputs .* above the limit of 128\.0 MiB \(MAX_CALIBRATION_MB\)/);
      assert.equal(r.body.error.details.calibrationBytes, 1 * 3 * 100000 * 100000 * 4 * 4);
    }
    assert.deepEqual(await sql(h.databaseUrl, 'SELECT id FROM conversions WHERE model_id = $1', [modelId]), []);
    assert.deepEqual(await sql(h.databaseUrl, 'SELECT id FROM benchmark_runs WHERE model_id = $1', [modelId]), []);
  });

  test('the quantization child killed mid-way: the API keeps answering, the conversion is retried and succeeds', async () => {
    const modelId = (await upload(h.url, BLAZEFACE_BACK)).body.model.id;
    const created = await api(h.url, 'POST', `/models/${modelId}/quantize`, { calibration: 'percentile' });
    assert.equal(created.status, 202);
    const id = created.body.id as string;
    const pid = await waitFor(
      'the worker to start the quantization child',
      async () => Number(new RegExp(`conversion ${id}: quantizing artifact \\S+ \\(percentile\\) in child pid (\\d+)`).exec(worker.log())?.[1]),
      60_000,
      20,
    );
    process.kill(pid, 'SIGKILL');
    let healthChecks = 0;
    const done = await waitFor(
      'the conversion to end',
      async () => {
        const health = await api(h.url, 'GET', '/health');
        assert.equal(health.status, 200, 'the API answers while the worker retries');
        healthChecks++;
        const c = (await api(h.url, 'GET', `/conversions/${id}`)).body;
        return ['succeeded', 'failed'].includes(c.status) ? c : undefined;
      },
      180_000,
      200,
    );
    assert.ok(healthChecks > 0);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.attempts, 2, 'one start killed, one that finished');
    assert.match(worker.log(), new RegExp(`conversion ${id}: attempt 1 failed, will retry: the quantization child was killed by SIGKILL`));
    assert.equal(worker.proc.exitCode, null, 'the worker itself is still running');
  });

  test('a conversion that fails fails the cells waiting for it, with its code and reason', async () => {
    // A time cap no child can meet: the conversion fails for good (a timeout is not retried).
    await worker.kill();
    worker = await startWorker(h, { redisUrl, env: { CONVERSION_TIMEOUT_MS: '100' } });
    const modelId = (await upload(h.url, BLAZEFACE_BACK)).body.model.id;
    const created = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [deviceId] }, quantize: { calibration: 'minmax' } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const conversion = await waitForConversion(h.url, created.body.conversions[0].id);
    assert.equal(conversion.status, 'failed');
    assert.equal(conversion.error?.code, 'CONVERSION_TIMEOUT');
    assert.match(conversion.error?.message ?? '', /did not finish within 100 ms \(CONVERSION_TIMEOUT_MS\)/);
    assert.equal(conversion.attempts, 1, 'a timeout is permanent: not retried');
    const job = await waitFor('the waiting int8 cell to fail', async () => {
      const run = (await api(h.url, 'GET', `/benchmarks/${created.body.runId}`)).body;
      return run.jobs.find((j: { status: string; conversionId: string | null }) => j.conversionId && j.status === 'failed');
    });
    assert.equal(job.error.code, 'CONVERSION_TIMEOUT');
    assert.match(job.error.message, new RegExp(`the int8 variant could not be made \\(conversion ${conversion.id}\\): quantization did not finish`));
    assert.equal((await api(h.url, 'GET', '/health')).status, 200);
  });

  test('the worker killed mid-conversion: its child stops, the API keeps answering, the next worker finishes it', async () => {
    await worker.kill();
    worker = await startWorker(h, { redisUrl });
    // The conversion the previous test saw fail, asked for again: a new generation, queued.
    const modelId = (await upload(h.url, BLAZEFACE_BACK)).body.model.id;
    const created = await api(h.url, 'POST', `/models/${modelId}/quantize`, { calibration: 'minmax' });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const id = created.body.id as string;
    const pid = await waitFor(
      'the worker to start the quantization child',
      async () => Number(new RegExp(`conversion ${id}: quantizing artifact \\S+ \\(minmax\\) in child pid (\\d+)`).exec(worker.log())?.[1]),
      60_000,
      20,
    );
    await worker.kill('SIGKILL');
    // A zombie waiting for its reaper counts as gone: it runs nothing.
    const running = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    await waitFor('the orphaned child to stop', async () => !running(), 30_000, 100);
    assert.equal((await api(h.url, 'GET', '/health')).status, 200);
    assert.equal((await api(h.url, 'GET', `/conversions/${id}`)).body.status, 'running', 'nothing ends it but a worker');

    // The queue hands the job to the next worker once the dead one's lock has expired (BullMQ's stalled-job check).
    worker = await startWorker(h, { redisUrl });
    const done = await waitForConversion(h.url, id, 180_000);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.attempts, 2, 'the killed start and the one that finished');
  });
});
