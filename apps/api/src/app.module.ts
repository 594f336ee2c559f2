/** The API's root module: one module per domain would be finer; at this size the providers are wired here. */
import { Module, type DynamicModule } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { PrismaService } from './prisma/prisma.service.js';
import { BenchmarkQueueProducer } from './queue/benchmark-queue.producer.js';
import { ArtifactStore } from './models/artifact-store.service.js';
import { ModelsRepository } from './models/models.repository.js';
import { ModelsService } from './models/models.service.js';
import { QuantizationService } from './models/quantization.service.js';
import { ModelsController } from './models/models.controller.js';
import { AgentsRepository } from './agents/agents.repository.js';
import { AgentsService } from './agents/agents.service.js';
import { AgentEnrollmentController, AgentsController } from './agents/agents.controller.js';
import { AgentsAdminController } from './agents/agents-admin.controller.js';
import { ApiKeysRepository } from './auth/api-keys.repository.js';
import { ApiKeysService } from './auth/api-keys.service.js';
import { ApiKeysController } from './auth/api-keys.controller.js';
import { ApiAccessGuard } from './auth/api-access.guard.js';
import { RateLimitGuard, RUN_THROTTLER, UPLOAD_THROTTLER } from './auth/rate-limit.guard.js';
import { AgentAuthGuard, BootstrapTokenGuard } from './agents/agent-auth.guard.js';
import { DevicesRepository } from './devices/devices.repository.js';
import { DevicesController } from './devices/devices.controller.js';
import { BenchmarksRepository } from './benchmarks/benchmarks.repository.js';
import { BenchmarksService } from './benchmarks/benchmarks.service.js';
import { BenchmarksController } from './benchmarks/benchmarks.controller.js';
import { ResultsRepository } from './results/results.repository.js';
import { ResultsService } from './results/results.service.js';
import { ResultsController } from './results/results.controller.js';
import { CompareService } from './compare/compare.service.js';
import { CompareController } from './compare/compare.controller.js';
import { HealthController } from './health/health.controller.js';
import { JobReconciler } from './reconciler/job-reconciler.service.js';
import { MaintenanceQueueModule } from './maintenance/maintenance-queue.module.js';
import { MaintenanceQueueProducer } from './maintenance/maintenance-queue.producer.js';
import { MaintenanceProcessor } from './maintenance/maintenance.processor.js';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MulterModule.register({ limits: { fileSize: config.maxModelBytes, files: 2, fields: 10 } }),
        MaintenanceQueueModule.forConfig(config),
        // Applied only where RateLimitGuard is used (uploads, run creation); each route skips the other's throttler.
        ThrottlerModule.forRoot({
          throttlers: [
            { name: UPLOAD_THROTTLER, ttl: config.rateLimits.windowMs, limit: config.rateLimits.uploads },
            { name: RUN_THROTTLER, ttl: config.rateLimits.windowMs, limit: config.rateLimits.runs },
          ],
        }),
      ],
      controllers: [
        ModelsController,
        AgentEnrollmentController,
        AgentsController,
        AgentsAdminController,
        ApiKeysController,
        DevicesController,
        BenchmarksController,
        ResultsController,
        CompareController,
        HealthController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        // Every route passes the access guard first: cross-site check, then key and scope.
        { provide: APP_GUARD, useClass: ApiAccessGuard },
        ApiKeysRepository,
        ApiKeysService,
        RateLimitGuard,
        BootstrapTokenGuard,
        PrismaService,
        BenchmarkQueueProducer,
        ArtifactStore,
        ModelsRepository,
        ModelsService,
        QuantizationService,
        AgentsRepository,
        AgentsService,
        AgentAuthGuard,
        DevicesRepository,
        BenchmarksRepository,
        BenchmarksService,
        ResultsRepository,
        ResultsService,
        CompareService,
        JobReconciler,
        MaintenanceQueueProducer,
        MaintenanceProcessor,
      ],
    };
  }
}
