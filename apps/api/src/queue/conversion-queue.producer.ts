/**
 * The one place conversion jobs are added (by the API on request, by the worker's reconciler when
 * the queue lost one). It owns attempts, backoff, clean-up and the deterministic job id: the
 * conversion's id and generation, so a request repeated while a conversion is queued adds nothing,
 * and a re-request after it ended is a new job rather than the finished one the queue still keeps.
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { ConversionJobName, QuantizeInt8PayloadSchema, QueueName } from '@farm/contracts';
import type { Queue } from '@farm/queue';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export function conversionJobId(conversionId: string, generation: number): string {
  return `${conversionId}.${generation}`;
}

@Injectable()
export class ConversionQueueProducer implements OnModuleDestroy {
  constructor(
    @InjectQueue(QueueName.Conversion) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async enqueue(conversionId: string, generation: number): Promise<void> {
    const data = QuantizeInt8PayloadSchema.parse({ conversionId, generation });
    await this.queue.add(ConversionJobName.QuantizeInt8, data, {
      jobId: conversionJobId(conversionId, generation),
      attempts: this.config.conversion.attempts,
      backoff: { type: 'fixed', delay: this.config.jobBackoffMs },
      // The conversion row holds the outcome; the queue keeps a short tail for debugging.
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 500 },
    });
  }

  /**
   * The queue's view of a conversion's job: undefined when it lost it, else its state and, for a
   * failed one, why (a job failed by the queue itself, e.g. stalled too often, never reached the processor's bookkeeping).
   */
  async find(conversionId: string, generation: number): Promise<{ state: string; failedReason: string | undefined } | undefined> {
    const job = await this.queue.getJob(conversionJobId(conversionId, generation));
    return job ? { state: await job.getState(), failedReason: job.failedReason } : undefined;
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }
}
