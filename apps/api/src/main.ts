/** API entry point: validates configuration, then serves REST, OpenAPI at /docs and the dashboard at /. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppModule } from './app.module.js';
import { loadAppConfig, type AppConfig } from './config/app-config.js';
import { DomainExceptionFilter } from './common/domain-exception.filter.js';
import { applyAccessToDocument, SECURITY_SCHEMES } from './common/openapi.js';

export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), { logger: ['error', 'warn', 'log'] });
  app.useGlobalFilters(new DomainExceptionFilter(config.maxModelBytes));
  app.useBodyParser('json', { limit: '20mb' });
  app.enableShutdownHooks();
  const webDir = config.webDir ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../web/public');
  app.useStaticAssets(webDir, { index: 'index.html' });
  // Chart.js is served from the installed package, so the dashboard needs no CDN.
  app.useStaticAssets(join(dirname(fileURLToPath(import.meta.resolve('chart.js'))), '..', 'dist'), { prefix: '/vendor/chart.js/' });
  const builder = new DocumentBuilder()
    .setTitle('Benchmark farm API')
    .setDescription(
      'Upload models, run benchmark matrices on devices, read results and comparisons. Writes need an API key with write scope, ' +
        `key management an admin key; reads ${config.readsNeedKey ? 'need a key too' : 'are open on this deployment (READ_ACCESS)'}. ` +
        'State-changing requests from web pages of another origin are refused (403 CROSS_SITE_REQUEST).',
    )
    .setVersion('0.1.0');
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) builder.addSecurity(name, { ...scheme });
  const doc = SwaggerModule.createDocument(app, builder.build());
  applyAccessToDocument(doc as unknown as Parameters<typeof applyAccessToDocument>[0], config.readsNeedKey);
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/json' });
  return app;
}

async function main(): Promise<void> {
  const config = loadAppConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  new Logger('Main').log(`API on http://${config.host}:${config.port} (queue backend: ${config.queue.kind}); docs at /docs`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
