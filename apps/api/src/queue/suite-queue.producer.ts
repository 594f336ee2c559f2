/**
 * The one place suite jobs are added (night evaluations, alerts, schedule syncs), by the API and
 * the worker. Deterministic job ids: an evaluation asked for by every result of a night, and again
 * by the reconciler, is one job; an alert is one job per regression and webhook.
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { EvaluateNightPayloadSchema, QueueName, SendAlertPayloadSchema, SuiteJobName, type Webhook } from '@farm/contracts';
import type { Queue } from '@farm/queue';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

@Injectable()
export class SuiteQueueProducer implements OnModuleDestroy {
  constructor(
    @InjectQueue(QueueName.Suites) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async evaluate(nightId: string): Promise<void> {
    await this.queue.add(SuiteJobName.EvaluateNight, EvaluateNightPayloadSchema.parse({ nightId }), {
      jobId: `evaluate.${nightId}`,
      attempts: 3,
      backoff: { type: 'fixed', delay: this.config.jobBackoffMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    });
  }

  async alert(regressionId: string, hooks: readonly Webhook[]): Promise<void> {
    for (const [i, h] of hooks.entries()) {
      await this.queue.add(SuiteJobName.SendAlert, SendAlertPayloadSchema.parse({ regressionId, url: h.url, format: h.format }), {
        jobId: `alert.${regressionId}.${i}`,
        attempts: this.config.alerts.attempts,
        backoff: { type: 'exponential', delay: this.config.alerts.backoffMs },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      });
    }
  }

  /** Asks the worker to bring the job schedulers in line with the suites table. */
  async syncSchedules(): Promise<void> {
    await this.queue.add(
      SuiteJobName.SyncSchedules,
      {},
      { attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }
}
