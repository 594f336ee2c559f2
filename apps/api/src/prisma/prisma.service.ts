/**
 * The one Prisma client of the API, on the pg driver adapter (no engine binary needed). The
 * adapter runs on a pg pool this service owns, so a repository can reach the pg connection under
 * one of its interactive transactions (connectionOf) for what Prisma cannot send, such as COPY.
 */
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, type Prisma } from '../generated/prisma/client.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  /** The pool's open connections by their server process id, kept from the pool's own events. */
  private readonly byBackendPid = new Map<number, pg.PoolClient>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl });
    // $disconnect ends the pool too, as it did when the adapter made its own.
    super({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
    pool.on('connect', (c) => {
      const pid = (c as pg.PoolClient & { processID: number | null }).processID;
      if (pid !== null) this.byBackendPid.set(pid, c);
    });
    pool.on('remove', (c) => {
      for (const [pid, held] of this.byBackendPid) if (held === c) this.byBackendPid.delete(pid);
    });
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
  }

  /**
   * The pg connection an interactive transaction runs on: statements sent on it are part of that
   * transaction. Use it only while the transaction's callback awaits them (Prisma sends nothing on
   * it meanwhile), and only for what the Prisma client cannot express.
   */
  async connectionOf(tx: Prisma.TransactionClient): Promise<pg.PoolClient> {
    const [{ pid }] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const conn = this.byBackendPid.get(pid);
    if (!conn)
      throw new Error(
        `no pooled connection reports Postgres backend ${pid}: the API needs a direct (or session-mode pooled) connection to Postgres, where a connection's process id is the server's; a transaction-mode pooler hides it`,
      );
    return conn;
  }

  /** The last shutdown phase: queues and workers close in onModuleDestroy, the HTTP server before this. */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
