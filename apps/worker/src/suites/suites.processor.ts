/**
 * The suites queue's worker: starts scheduled nights, evaluates finished nights, sends alerts and
 * syncs schedules. Each handler validates its payload and calls one service; failures are rethrown
 * (the queue retries where the job allows it), an unknown payload is unrecoverable.
 */
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import {
  EvaluateNightPayloadSchema,
  QueueName,
  SendAlertPayloadSchema,
  StartNightPayloadSchema,
  SuiteJobName,
  SyncSchedulesPayloadSchema,
} from '@farm/contracts';
import { UnrecoverableError, type Job } from '@farm/queue';
import type { z } from 'zod';
import { SuitesRepository } from '@farm/api/suites/suites.repository';
import { SuiteNightsService } from '@farm/api/suites/suite-nights.service';
import { collectJobHandlers, dispatchJob, HandlesJob, type JobHandler } from '../queue/job-handlers.js';
import { NightEvaluator } from './night-evaluator.service.js';
import { AlertSender } from './alert-sender.service.js';
import { nightKeyOf, scheduledSlot, SuiteScheduleService } from './suite-schedule.service.js';

function parse<S extends z.ZodType>(schema: S, name: string, data: unknown): z.infer<S> {
  const r = schema.safeParse(data);
  if (!r.success) throw new UnrecoverableError(`bad ${name} payload: ${r.error.message}`);
  return r.data;
}

@Processor(QueueName.Suites, { concurrency: 1 })
export class SuitesProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(SuitesProcessor.name);
  private readonly handlers: ReadonlyMap<string, JobHandler>;

  constructor(
    private readonly suites: SuitesRepository,
    private readonly nights: SuiteNightsService,
    private readonly evaluator: NightEvaluator,
    private readonly alerts: AlertSender,
    private readonly schedules: SuiteScheduleService,
  ) {
    super();
    this.handlers = collectJobHandlers(this, QueueName.Suites, Object.values(SuiteJobName));
  }

  process(job: Job): Promise<unknown> {
    return dispatchJob(this.handlers, QueueName.Suites, job);
  }

  @HandlesJob(SuiteJobName.StartNight)
  async startNight(data: unknown, job: Job) {
    const { suiteId } = parse(StartNightPayloadSchema, SuiteJobName.StartNight, data);
    const suite = await this.suites.findSuite(suiteId);
    if (!suite) throw new UnrecoverableError(`suite ${suiteId} no longer exists`);
    const nightKey = nightKeyOf(scheduledSlot(job), suite.timezone);
    try {
      const night = await this.nights.startNight(suiteId, nightKey, 'schedule');
      if (!night) {
        this.logger.log(`suite ${suite.name}: night ${nightKey} was started already; not starting it again`);
        return { nightKey, started: false };
      }
      this.logger.log(`suite ${suite.name}: night ${nightKey} started (${night.runs.length} run(s))`);
      return { nightKey, started: true, nightId: night.id };
    } catch (e) {
      // Recorded on the night's row; retrying the same slot would only fail the same way.
      throw new UnrecoverableError(`suite ${suite.name} night ${nightKey} did not start: ${(e as Error).message}`);
    }
  }

  @HandlesJob(SuiteJobName.EvaluateNight)
  evaluateNight(data: unknown) {
    return this.evaluator.evaluate(parse(EvaluateNightPayloadSchema, SuiteJobName.EvaluateNight, data).nightId);
  }

  @HandlesJob(SuiteJobName.SendAlert)
  sendAlert(data: unknown) {
    const p = parse(SendAlertPayloadSchema, SuiteJobName.SendAlert, data);
    return this.alerts.send(p.regressionId, p.url, p.format);
  }

  @HandlesJob(SuiteJobName.SyncSchedules)
  syncSchedules(data: unknown) {
    parse(SyncSchedulesPayloadSchema, SuiteJobName.SyncSchedules, data);
    return this.schedules.sync();
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error(`suites job ${job?.name ?? '?'} (${job?.id ?? '?'}) failed: ${error.message}`);
  }

  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }
}
