/**
 * The worker's maintenance queue on both BullMQ backends (Redis, and the PostgreSQL backend on the
 * farm's database), against a real API and real worker processes: the API schedules nothing, one
 * reconcile schedule however many workers run, a queued job the queue lost comes back through the
 * scheduled reconcile-jobs job, a job name the processor does not handle fails instead of
 * vanishing, and a worker stops cleanly.
 */
import { afterAll as after, beforeAll as before, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { deviceQueueName, MaintenanceJobName, QueueName } from '@farm/contracts';
import { BackendQueue, backendConnection, createQueueFactory, type QueueBackendConfig } from '@farm/queue';
import {
  api,
  createTestDatabase,
  registerDevice,
  requireEnv,
  SAMPLE,
  startApi,
  startWorker,
  upload,
  waitFor,
  type ApiHandle,
  type WorkerHandle,
} from '../fixtures/stack.js';

const INTERVAL_MS = 1000;

for (const kind of ['redis', 'postgres'] as const) {
  describe(`maintenance queue on the ${kind} backend`, () => {
    let db: string;
    let backend: QueueBackendConfig;
    let h: ApiHandle;
    let first: WorkerHandle;
    let second: WorkerHandle | undefined;
    let maintenance: InstanceType<typeof BackendQueue>;

    before(async () => {
      db = await createTestDatabase(`maint_${kind}`);
      const redisUrl = kind === 'redis' ? requireEnv('TEST_REDIS_URL') : undefined;
      backend = kind === 'redis' ? { kind, url: redisUrl! } : { kind, url: db };
      h = await startApi({ databaseUrl: db, redisUrl });
      first = await startWorker(h, { redisUrl, env: { RECONCILE_INTERVAL_MS: String(INTERVAL_MS) } });
      second = await startWorker(h, { redisUrl, env: { RECONCILE_INTERVAL_MS: String(INTERVAL_MS) } });
      maintenance = new BackendQueue(QueueName.Maintenance, { connection: backendConnection(backend) as never });
    });
    after(async () => {
      await second?.kill();
      await first?.kill();
      await h?.kill();
      // The Redis database is shared by every test file: leave no schedule behind in it.
      await maintenance?.removeJobScheduler(MaintenanceJobName.ReconcileJobs);
      await maintenance?.close();
    });

    test('two workers keep one reconcile schedule; the API schedules and processes nothing', async () => {
      assert.equal((await api(h.url, 'GET', '/health')).body.queue.backend, kind);
      const schedulers = await maintenance.getJobSchedulers();
      assert.deepEqual(
        schedulers.map((s) => [s.key, s.name, Number(s.every)]),
        [[MaintenanceJobName.ReconcileJobs, MaintenanceJobName.ReconcileJobs, INTERVAL_MS]],
      );
      assert.match(first.log(), /reconcile-jobs scheduled every 1000 ms/);
      assert.match(second!.log(), /reconcile-jobs scheduled every 1000 ms/);
      assert.doesNotMatch(h.log(), /reconcile-jobs|MaintenanceProcessor|ConversionProcessor/);
    });

    test('a queued job the device queue lost is re-added by the scheduled reconcile', async () => {
      const modelId = (await upload(h.url, SAMPLE.onnx)).body.model.id;
      const deviceId = await registerDevice(h, `maint-${kind}`);
      const created = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [deviceId] } });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const jobId = (await api(h.url, 'GET', `/benchmarks/${created.body.runId}`)).body.jobs[0].id as string;

      // No agent consumes this device's queue, so the job waits there until the test removes it.
      const deviceQueue = createQueueFactory(backend).createQueue(deviceQueueName(deviceId));
      try {
        const queued = await deviceQueue.getJob(jobId);
        assert.ok(queued, 'the API queued the job');
        // Only reconcile runs that ended after the loss count: the maintenance queue keeps earlier
        // completions (of other tests on the same Redis) whose counts could match by chance.
        const lostAt = Date.now();
        await queued.remove();
        assert.equal(await deviceQueue.getJob(jobId), undefined);

        const back = await waitFor('the reconciler to re-add the lost job', () => deviceQueue.getJob(jobId), 30_000);
        assert.equal(back.name, 'benchmark');
        assert.equal((back.data as { jobId: string }).jobId, jobId);
        const done = await waitFor(
          'a completed reconcile-jobs run that re-added it',
          async () => {
            const completed = await maintenance.getCompleted();
            return completed.find(
              (j) =>
                j.name === MaintenanceJobName.ReconcileJobs && (j.finishedOn ?? 0) >= lostAt && (j.returnvalue as { requeued?: number } | null)?.requeued === 1,
            );
          },
          30_000,
        );
        assert.deepEqual(done.returnvalue, { requeued: 1, conversionsRequeued: 0, waitingSettled: 0, nightsQueued: 0, runningRequeued: 0, failed: 0 });
        assert.equal((await api(h.url, 'GET', `/benchmarks/${created.body.runId}`)).body.jobs[0].status, 'queued');
      } finally {
        await deviceQueue.close();
      }
    });

    test('a job name the processor does not handle fails, unretried, with a reason', async () => {
      const job = await maintenance.add('no-such-job', {}, { attempts: 3 });
      const failed = await waitFor(
        'the unknown job to fail',
        async () => ((await job.getState()) === 'failed' ? maintenance.getJob(job.id!) : undefined),
        30_000,
      );
      assert.match(failed!.failedReason, /no handler for job "no-such-job"/);
      assert.equal(failed!.attemptsMade, 1, 'unrecoverable: not retried');
      await waitFor('a worker to log the failure', async () => /maintenance job no-such-job \(\S+\) failed/.test(first.log() + second!.log()), 10_000);
    });

    test('SIGTERM stops a worker process: its queue workers and queues close, then the database, without errors', async () => {
      const before = second!.log().length;
      await second!.kill('SIGTERM');
      const log = second!.log().slice(before);
      assert.match(log, /queues closed/);
      assert.doesNotMatch(log, /ERROR|Unhandled|Connection terminated/i);
      second = undefined;
    });
  });
}
