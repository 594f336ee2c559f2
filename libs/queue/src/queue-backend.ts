/**
 * Chooses the BullMQ backend for the whole farm, in one place shared by the API (producer) and
 * the agents (workers): Redis when a REDIS_URL is configured (the production path), otherwise
 * BullMQ's PostgreSQL backend on the farm's own database (the embedded default, so a newcomer
 * needs no Redis). Both expose the same Queue/Worker API.
 */
import { createPostgresBackend, createRedisBackend, withBackend } from 'bullmq';
import type { BackendFactory, ConnectionOptions, IQueueBackend, Job, PostgresPoolConfig, Processor, Queue, QueueOptions, WorkerOptions } from 'bullmq';

export type QueueBackendConfig = { kind: 'redis'; url: string } | { kind: 'postgres'; url: string; schema?: string };

/** What a queue or worker takes as `connection`: ioredis options, or the PostgreSQL backend's pool config. */
export type BackendConnection = ConnectionOptions | PostgresPoolConfig;

export interface QueueLike<D> {
  add(name: string, data: D, opts?: Parameters<Queue['add']>[2]): Promise<Job<D>>;
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

/** The `connection` option for the configured backend. */
export function backendConnection(cfg: QueueBackendConfig): BackendConnection {
  if (cfg.kind === 'redis') return redisConnection(cfg.url);
  // migrate: true lets the first client create BullMQ's own tables in its schema; later clients find them.
  return { connectionString: cfg.url, schema: cfg.schema ?? 'bullmq', migrate: true };
}

function isPostgresConnection(c: unknown): c is PostgresPoolConfig {
  return typeof c === 'object' && c !== null && 'connectionString' in c;
}

/**
 * Picks the backend from the connection a queue or worker was given, so one pair of classes
 * serves both backends. Code that constructs queues itself with two arguments (such as
 * @nestjs/bullmq, which takes a Queue and a Worker class but no backend factory) gets the
 * PostgreSQL backend by being handed these classes and a PostgreSQL connection.
 */
const backendForConnection: BackendFactory<IQueueBackend, BackendConnection> = (name, opts, options) =>
  isPostgresConnection(opts.connection)
    ? createPostgresBackend(name, opts as Parameters<typeof createPostgresBackend>[1], options)
    : createRedisBackend(name, opts as Parameters<typeof createRedisBackend>[1], options);

const classes = withBackend(backendForConnection);
/** A BullMQ Queue on whichever backend its `connection` names. */
export const BackendQueue = classes.Queue;
/** A BullMQ Worker on whichever backend its `connection` names. */
export const BackendWorker = classes.Worker;

export function createQueueFactory(cfg: QueueBackendConfig): QueueFactory {
  const connection = backendConnection(cfg);
  return {
    kind: cfg.kind,
    createQueue: <D>(name: string, opts?: Omit<QueueOptions, 'connection'>) => new BackendQueue<D>(name, { ...opts, connection }) as unknown as QueueLike<D>,
    createWorker: <D, R>(name: string, processor: Processor<D, R>, opts?: Omit<WorkerOptions, 'connection'>) =>
      new BackendWorker<D, R>(name, processor as never, { ...opts, connection } as never) as unknown as WorkerLike,
  };
}
