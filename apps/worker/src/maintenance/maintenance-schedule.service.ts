/**
 * The maintenance queue's schedules, owned by the worker. They are BullMQ job schedulers, upserted
 * at start-up under a fixed id (the job name): however many workers start, the queue holds one
 * schedule per job, and the last worker started sets its interval.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { MaintenanceJobName, QueueName } from '@farm/contracts';
import type { Queue } from '@farm/queue';
import { APP_CONFIG, type AppConfig } from '@farm/api/config/app-config';

@Injectable()
export class MaintenanceScheduleService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MaintenanceScheduleService.name);

  constructor(
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Fails start-up when the queue cannot take the schedule, like any other unreachable service. */
  async onApplicationBootstrap(): Promise<void> {
    const every = this.config.reconcileIntervalMs;
    await this.queue.upsertJobScheduler(
      MaintenanceJobName.ReconcileJobs,
      { every },
      {
        name: MaintenanceJobName.ReconcileJobs,
        data: {},
        // A failed run is not retried on its own: the next scheduled run does the same work.
        opts: { attempts: 1, removeOnComplete: { count: 20 }, removeOnFail: { count: 100 } },
      },
    );
    this.logger.log(`${MaintenanceJobName.ReconcileJobs} scheduled every ${every} ms`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }
}
