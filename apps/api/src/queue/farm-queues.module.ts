/**
 * Registers the maintenance queue (QueueName.Maintenance) with @nestjs/bullmq on the farm's
 * configured backend. @nestjs/bullmq builds queues and workers as `new Queue(name, opts)` and
 * `new Worker(name, fn, opts)` with no backend factory; its supported hook is the Queue and Worker
 * class to use. Handing it @farm/queue's BackendQueue/BackendWorker, which pick Redis or
 * PostgreSQL from the connection they are given, puts the queue, its job scheduler and the
 * @Processor's worker on either backend. The producer and processor are AppModule providers,
 * next to the repositories they use.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { QueueName } from '@farm/contracts';
import { BackendQueue, BackendWorker, backendConnection } from '@farm/queue';
import type { AppConfig } from '../config/app-config.js';

@Module({})
export class MaintenanceQueueModule {
  static forConfig(config: AppConfig): DynamicModule {
    // Process-wide settings of @nestjs/bullmq, read when a queue is registered and when workers
    // are created; the same two classes every time, so several apps in one process agree.
    BullModule.queueClass = BackendQueue;
    BullModule.workerClass = BackendWorker;
    const queue = BullModule.registerQueue({
      name: QueueName.Maintenance,
      // Its type says Redis options; BackendQueue also takes the PostgreSQL backend's pool config.
      connection: backendConnection(config.queue) as never,
    });
    return { module: MaintenanceQueueModule, imports: [queue], exports: [queue] };
  }
}
