/**
 * Registers the farm's named queues (QueueName: maintenance, conversion) with @nestjs/bullmq on
 * the configured backend, for the API (which adds conversion jobs) and the worker (which
 * schedules maintenance and processes both). @nestjs/bullmq builds queues and workers as
 * `new Queue(name, opts)` and `new Worker(name, fn, opts)` with no backend factory; its supported
 * hook is the Queue and Worker class to use. Handing it @farm/queue's BackendQueue/BackendWorker,
 * which pick Redis or PostgreSQL from the connection they are given, puts the queues, the job
 * scheduler and the worker's @Processor classes on either backend.
 */
import { Module, type DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { QueueName } from '@farm/contracts';
import { BackendQueue, BackendWorker, backendConnection } from '@farm/queue';
import type { AppConfig } from '../config/app-config.js';

@Module({})
export class FarmQueuesModule {
  static forConfig(config: AppConfig): DynamicModule {
    // Process-wide settings of @nestjs/bullmq, read when a queue is registered and when workers
    // are created; the same two classes every time, so several apps in one process agree.
    BullModule.queueClass = BackendQueue;
    BullModule.workerClass = BackendWorker;
    const queues = BullModule.registerQueue(
      // Their type says Redis options; BackendQueue also takes the PostgreSQL backend's pool config.
      ...Object.values(QueueName).map((name) => ({ name, connection: backendConnection(config.queue) as never })),
    );
    return { module: FarmQueuesModule, imports: [queues], exports: [queues] };
  }
}
