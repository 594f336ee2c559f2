/** Desktop agent entry point: an application context with no HTTP server; it only consumes its devices' queues. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentModule } from './agent.module.js';
import { loadAgentConfig } from './agent-config.js';
import { DeviceWorkersService } from './device-workers.service.js';

async function main(): Promise<void> {
  const config = loadAgentConfig();
  const app = await NestFactory.createApplicationContext(AgentModule.forConfig(config), { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  await app.get(DeviceWorkersService).start();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
