/**
 * The API's root module: request handling only. Scheduling, maintenance and conversions run in
 * the worker (apps/worker); what both need comes from FarmCoreModule.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from './config/app-config.js';
import { FarmCoreModule } from './core/farm-core.module.js';
import { ModelsService } from './models/models.service.js';
import { ModelInspector } from './models/model-inspector.service.js';
import { ModelsController } from './models/models.controller.js';
import { ConversionsController } from './conversions/conversions.controller.js';
import { AgentsRepository } from './agents/agents.repository.js';
import { AgentsService } from './agents/agents.service.js';
import { AgentEnrollmentController, AgentsController } from './agents/agents.controller.js';
import { AgentsAdminController } from './agents/agents-admin.controller.js';
import { AgentAuthGuard, BootstrapTokenGuard } from './agents/agent-auth.guard.js';
import { ApiKeysRepository } from './auth/api-keys.repository.js';
import { ApiKeysService } from './auth/api-keys.service.js';
import { ApiKeysController } from './auth/api-keys.controller.js';
import { ApiAccessGuard } from './auth/api-access.guard.js';
import { RateLimitGuard, RUN_THROTTLER, UPLOAD_THROTTLER } from './auth/rate-limit.guard.js';
import { DevicesController } from './devices/devices.controller.js';
import { JobsController } from './jobs/jobs.controller.js';
import { BenchmarksController } from './benchmarks/benchmarks.controller.js';
import { ResultsController } from './results/results.controller.js';
import { CompareService } from './compare/compare.service.js';
import { CompareController } from './compare/compare.controller.js';
import { LayerCompareController } from './compare/layer-compare.controller.js';
import { LayerCompareService } from './compare/layer-compare.service.js';
import { LayerAlignmentRepository } from './compare/layer-alignment.repository.js';
import { AdviceController } from './compare/advisor/advice.controller.js';
import { AdviceService } from './compare/advisor/advice.service.js';
import { HealthController } from './health/health.controller.js';
import { RegressionsController, SuitesController } from './suites/suites.controller.js';
import { SuitesService } from './suites/suites.service.js';
import { TensorsController } from './tensors/tensors.controller.js';
import { CalibrationSetsController } from './tensors/calibration-sets.controller.js';

@Module({})
export class AppModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MulterModule.register({ limits: { fileSize: config.maxModelBytes, files: 2, fields: 10 } }),
        FarmCoreModule.forConfig(config),
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
        ConversionsController,
        AgentEnrollmentController,
        AgentsController,
        AgentsAdminController,
        ApiKeysController,
        DevicesController,
        BenchmarksController,
        JobsController,
        ResultsController,
        CompareController,
        LayerCompareController,
        AdviceController,
        HealthController,
        SuitesController,
        RegressionsController,
        TensorsController,
        CalibrationSetsController,
      ],
      providers: [
        // Every route passes the access guard first: cross-site check, then key and scope.
        { provide: APP_GUARD, useClass: ApiAccessGuard },
        ApiKeysRepository,
        ApiKeysService,
        RateLimitGuard,
        BootstrapTokenGuard,
        ModelsService,
        ModelInspector,
        AgentsRepository,
        AgentsService,
        AgentAuthGuard,
        CompareService,
        LayerAlignmentRepository,
        LayerCompareService,
        AdviceService,
        SuitesService,
      ],
    };
  }
}
