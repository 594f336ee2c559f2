/** The one Prisma client of the API, on the pg driver adapter (no engine binary needed). */
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({ adapter: new PrismaPg({ connectionString: config.databaseUrl }) });
  }
  async onModuleInit(): Promise<void> {
    await this.$connect();
  }
  /** The last shutdown phase: queues and workers close in onModuleDestroy, the HTTP server before this. */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
