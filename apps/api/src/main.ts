/** API entry point: validates configuration, then serves REST, OpenAPI at /docs and the dashboard at /. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppModule } from './app.module.js';
import { loadAppConfig, type AppConfig } from './config/app-config.js';
import { DomainExceptionFilter } from './common/domain-exception.filter.js';
import { farmOpenApiDocument } from './contract/all-route-contracts.js';
import { allRouteContracts } from './contract/route-contract.js';
import { routeGaps, type RouteGap } from './contract/route-coverage.js';
import { responseCheckMiddleware } from './contract/response-check.middleware.js';

/** The generated document, with any route that has no contract listed as an operation without responses (the contract test names it). */
function servedDocument(gaps: RouteGap[]) {
  const doc = farmOpenApiDocument();
  for (const g of gaps) {
    const item = ((doc.paths ??= {})[g.path] ??= {}) as Record<string, unknown>;
    item[g.method] ??= { summary: 'NO CONTRACT', description: g.problem, 'x-missing-contract': g.problem, responses: {} };
  }
  return doc;
}

export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), { logger: ['error', 'warn', 'log'] });
  app.useGlobalFilters(new DomainExceptionFilter(config.maxModelBytes));
  app.useBodyParser('json', { limit: '20mb' });
  app.enableShutdownHooks();
  const webDir = config.webDir ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../web/public');
  app.useStaticAssets(webDir, { index: 'index.html' });
  // Chart.js is served from the installed package, so the dashboard needs no CDN.
  app.useStaticAssets(join(dirname(fileURLToPath(import.meta.resolve('chart.js'))), '..', 'dist'), { prefix: '/vendor/chart.js/' });
  // The document is generated from the route contracts; a route Nest serves without one is listed in it as a gap.
  const contracts = allRouteContracts();
  const gaps = routeGaps(app, contracts);
  for (const g of gaps) new Logger('Contract').error(g.problem);
  if (config.contractCheck) app.use(responseCheckMiddleware(contracts, gaps));
  SwaggerModule.setup('docs', app, servedDocument(gaps) as unknown as OpenAPIObject, { jsonDocumentUrl: 'docs/json' });
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
