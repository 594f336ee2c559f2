/**
 * Least privilege on the queue (README: "Per-agent Redis ACL user"): a Redis ACL user limited to one
 * device's BullMQ keys (bull:device.<id>:*) can consume that device's queue through the farm's
 * own queue layer, and cannot read, write or consume another device's queue. Real redis-server.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BENCHMARK_JOB_NAME, deviceQueueName } from '@farm/contracts';
import { createQueueFactory, type QueueLike, type WorkerLike } from '@farm/queue';
import { requireEnv, waitFor } from '../fixtures/stack.js';

/** The ACL rules the README gives for an agent whose devices are `deviceIds`. */
function agentAclRules(deviceIds: string[], password: string): string[] {
  return [
    'reset',
    'on',
    `>${password}`,
    ...deviceIds.map((id) => `~bull:${deviceQueueName(id)}:*`),
    // BullMQ's workers run Lua scripts (EVALSHA) and blocking pops, read INFO for the server version
    // and name their connections; nothing else, and no key outside the patterns above.
    '+@read',
    '+@write',
    '+@scripting',
    '+@blocking',
    '+@connection',
    '+client|setname',
    '+client|getname',
    // -@dangerous also drops INFO, which BullMQ needs (read-only), so it is granted again after.
    '-@dangerous',
    '+info',
  ];
}

describe('a per-agent Redis ACL user', () => {
  const adminUrl = requireEnv('TEST_REDIS_URL');
  const user = `agent-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(24).toString('hex');
  const mine = randomUUID();
  const theirs = randomUUID();
  let admin: Redis;
  const closers: (() => Promise<unknown>)[] = [];
  let producer: { mine: QueueLike<{ n: number }>; theirs: QueueLike<{ n: number }> };
  const asAgent = () => {
    const u = new URL(adminUrl);
    u.username = user;
    u.password = password;
    return u.toString();
  };

  beforeAll(async () => {
    admin = new Redis(adminUrl);
    await admin.call('ACL', 'SETUSER', user, ...agentAclRules([mine], password));
    const api = createQueueFactory({ kind: 'redis', url: adminUrl });
    producer = { mine: api.createQueue(deviceQueueName(mine)), theirs: api.createQueue(deviceQueueName(theirs)) };
    closers.push(
      () => producer.mine.close(),
      () => producer.theirs.close(),
    );
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
    await admin.call('ACL', 'DELUSER', user);
    const keys = [...(await admin.keys(`bull:device.${mine}:*`)), ...(await admin.keys(`bull:device.${theirs}:*`))];
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  test("consumes its own device's queue through the farm's queue layer", async () => {
    await producer.mine.add(BENCHMARK_JOB_NAME, { n: 1 }, { jobId: 'job-1' });
    const seen: number[] = [];
    const agentQueues = createQueueFactory({ kind: 'redis', url: asAgent() });
    const worker: WorkerLike = agentQueues.createWorker<{ n: number }, string>(deviceQueueName(mine), async (job) => {
      seen.push(job.data.n);
      return 'done';
    });
    closers.push(() => worker.close());
    await waitFor('the ACL user to process its job', async () => seen.length === 1, 30_000, 100);
    const job = await producer.mine.getJob('job-1');
    await waitFor('the job to be completed', async () => (await job!.isCompleted()) || undefined, 30_000, 100);
    assert.deepEqual(seen, [1]);
  });

  test("cannot read, write or consume another device's queue", async () => {
    await producer.theirs.add(BENCHMARK_JOB_NAME, { n: 2 }, { jobId: 'job-2' });
    const direct = new Redis(asAgent(), { maxRetriesPerRequest: 0 });
    closers.push(async () => direct.disconnect());
    await assert.rejects(direct.hgetall(`bull:${deviceQueueName(theirs)}:job-2`), /NOPERM/);
    await assert.rejects(direct.lpush(`bull:${deviceQueueName(theirs)}:wait`, 'forged'), /NOPERM/);
    await assert.rejects(direct.keys('*'), /NOPERM/);
    await assert.rejects(direct.call('FLUSHALL'), /NOPERM/);

    // A worker pointed at the other queue gets nothing: every fetch is refused by the server.
    const errors: string[] = [];
    const agentQueues = createQueueFactory({ kind: 'redis', url: asAgent() });
    const seen: number[] = [];
    const worker = agentQueues.createWorker<{ n: number }, string>(deviceQueueName(theirs), async (job) => {
      seen.push(job.data.n);
      return 'done';
    });
    worker.on('error', ((e: Error) => errors.push(e.message)) as never);
    closers.push(() => worker.close(true));
    await waitFor('the worker to be refused', async () => errors.some((m) => /NOPERM/.test(m)), 30_000, 100);
    assert.deepEqual(seen, []);
    const still = await producer.theirs.getJob('job-2');
    assert.equal(await still!.getState(), 'waiting');
  });
});
