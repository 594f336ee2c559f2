/**
 * The worker's root module: scheduling and maintenance (the reconcile-jobs schedule and its
 * processor), conversions (int8 quantization in a capped child) and nightly suites (schedules,
 * night evaluation with confirmation re-runs, alerts), on FarmCoreModule, the code it
 * shares with the API. No controllers: the worker serves no HTTP.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@farm/api/config/app-config';
import { FarmCoreModule } from '@farm/api/core/farm-core.module';
import { JobReconciler } from './reconciler/job-reconciler.service.js';
import { MaintenanceScheduleService } from './maintenance/maintenance-schedule.service.js';
import { MaintenanceProcessor } from './maintenance/maintenance.processor.js';
import { Int8ConversionService } from './conversion/int8-conversion.service.js';
import { ConversionProcessor } from './conversion/conversion.processor.js';
import { NightEvaluator } from './suites/night-evaluator.service.js';
import { AlertSender } from './suites/alert-sender.service.js';
import { SuiteScheduleService } from './suites/suite-schedule.service.js';
import { SuitesProcessor } from './suites/suites.processor.js';

@Module({})
export class WorkerModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [FarmCoreModule.forConfig(config)],
      providers: [
        JobReconciler,
        MaintenanceScheduleService,
        MaintenanceProcessor,
        Int8ConversionService,
        ConversionProcessor,
        NightEvaluator,
        AlertSender,
        SuiteScheduleService,
        SuitesProcessor,
      ],
    };
  }
}
