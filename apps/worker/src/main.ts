/**
 * Worker entry point: validates configuration (the same settings as the API, loadAppConfig), then
 * runs the maintenance and conversion queues' processors in a NestJS application context, without
 * an HTTP server. Stops cleanly on SIGTERM/SIGINT: running jobs finish, then the database closes.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QueueName } from '@farm/contracts';
import { loadAppConfig, type AppConfig } from '@farm/api/config/app-config';
import { WorkerModule } from './worker.module.js';

export async function createWorker(config: AppConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forConfig(config), { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  return app;
}

async function main(): Promise<void> {
  const config = loadAppConfig();
  await createWorker(config);
  new Logger('Main').log(`worker processing queues ${Object.values(QueueName).join(', ')} (queue backend: ${config.queue.kind})`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
