/**
 * What the API and the worker share: the configuration, the one Prisma client, the repositories,
 * the artifact store, the queue producers, the job lifecycle, run creation and suite nights. Both processes import this
 * module, so there is one copy of the code that moves a job or a conversion through its states.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { FarmQueuesModule } from '../queue/farm-queues.module.js';
import { BenchmarkQueueProducer } from '../queue/benchmark-queue.producer.js';
import { ConversionQueueProducer } from '../queue/conversion-queue.producer.js';
import { ArtifactStore } from '../models/artifact-store.service.js';
import { ModelsRepository } from '../models/models.repository.js';
import { TensorsRepository } from '../tensors/tensors.repository.js';
import { TensorsService } from '../tensors/tensors.service.js';
import { DevicesRepository } from '../devices/devices.repository.js';
import { BenchmarksRepository } from '../benchmarks/benchmarks.repository.js';
import { ResultsRepository } from '../results/results.repository.js';
import { ResultsService } from '../results/results.service.js';
import { ConversionsRepository } from '../conversions/conversions.repository.js';
import { JobLifecycleService } from '../jobs/job-lifecycle.service.js';
import { SuiteQueueProducer } from '../queue/suite-queue.producer.js';
import { SuitesRepository } from '../suites/suites.repository.js';
import { SuiteNightsService } from '../suites/suite-nights.service.js';
import { RegressionsService } from '../suites/regressions.service.js';
import { BenchmarksService } from '../benchmarks/benchmarks.service.js';
import { ConversionsService } from '../conversions/conversions.service.js';

const shared = [
  PrismaService,
  BenchmarkQueueProducer,
  ConversionQueueProducer,
  ArtifactStore,
  ModelsRepository,
  TensorsRepository,
  // BenchmarksService resolves a request's named inputs through it, in both processes.
  TensorsService,
  DevicesRepository,
  BenchmarksRepository,
  ResultsRepository,
  ResultsService,
  ConversionsRepository,
  JobLifecycleService,
  SuiteQueueProducer,
  SuitesRepository,
  // Runs are created by requests (API) and by suite nights and their confirmations (worker).
  BenchmarksService,
  ConversionsService,
  SuiteNightsService,
  RegressionsService,
];

@Module({})
export class FarmCoreModule {
  static forConfig(config: AppConfig): DynamicModule {
    const queues = FarmQueuesModule.forConfig(config);
    return {
      module: FarmCoreModule,
      imports: [queues],
      providers: [{ provide: APP_CONFIG, useValue: config }, ...shared],
      exports: [APP_CONFIG, queues, ...shared],
    };
  }
}
