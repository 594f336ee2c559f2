/**
 * Chooses the BullMQ backend for the whole farm, in one place shared by the API (producer) and
 * the agents (workers): Redis when a REDIS_URL is configured (the production path), otherwise
 * BullMQ's PostgreSQL backend on the farm's own database (the embedded default, so a newcomer
 * needs no Redis). Both expose the same Queue/Worker API.
 */
import { Queue as RedisQueue, Worker as RedisWorker, createPostgresBackend, withBackend } from 'bullmq';
import type { ConnectionOptions, Job, Processor, QueueOptions, WorkerOptions } from 'bullmq';

export type QueueBackendConfig =
  | { kind: 'redis'; url: string }
  | { kind: 'postgres'; url: string; schema?: string };

export interface QueueLike<D> {
  add(name: string, data: D, opts?: Parameters<RedisQueue['add']>[2]): Promise<Job<D>>;
  getJob(id: string): Promise<Job<D> | undefined>;
  close(): Promise<void>;
  waitUntilReady(): Promise<unknown>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

export interface WorkerLike {
  close(force?: boolean): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  run?(): Promise<void>;
}

export interface QueueFactory {
  readonly kind: QueueBackendConfig['kind'];
  createQueue<D>(name: string, opts?: Omit<QueueOptions, 'connection'>): QueueLike<D>;
  createWorker<D, R>(name: string, processor: Processor<D, R>, opts?: Omit<WorkerOptions, 'connection'>): WorkerLike;
}

export function queueBackendFromUrls(redisUrl: string | undefined, databaseUrl: string | undefined): QueueBackendConfig {
  if (redisUrl) return { kind: 'redis', url: redisUrl };
  if (databaseUrl) return { kind: 'postgres', url: databaseUrl };
  throw new Error('no queue backend: set REDIS_URL (Redis backend) or DATABASE_URL (PostgreSQL backend)');
}

/** Parses redis://[:password@]host:port[/db] into ioredis options; BullMQ workers need maxRetriesPerRequest null. */
function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
}

export function createQueueFactory(cfg: QueueBackendConfig): QueueFactory {
  if (cfg.kind === 'redis') {
    const connection = redisConnection(cfg.url);
    return {
      kind: 'redis',
      createQueue: <D>(name: string, opts?: Omit<QueueOptions, 'connection'>) =>
        new RedisQueue(name, { ...opts, connection }) as unknown as QueueLike<D>,
      createWorker: <D, R>(name: string, processor: Processor<D, R>, opts?: Omit<WorkerOptions, 'connection'>) =>
        new RedisWorker<D, R>(name, processor, { ...opts, connection }) as unknown as WorkerLike,
    };
  }
  const pg = withBackend(createPostgresBackend);
  // migrate: true lets the first client create BullMQ's own tables in its schema; later clients find them.
  const connection = { connectionString: cfg.url, schema: cfg.schema ?? 'bullmq', migrate: true };
  return {
    kind: 'postgres',
    createQueue: <D>(name: string, opts?: Omit<QueueOptions, 'connection'>) =>
      new pg.Queue<D>(name, { ...opts, connection } as never) as unknown as QueueLike<D>,
    createWorker: <D, R>(name: string, processor: Processor<D, R>, opts?: Omit<WorkerOptions, 'connection'>) =>
      new pg.Worker<D, R>(name, processor as never, { ...opts, connection } as never) as unknown as WorkerLike,
  };
}
