/**
 * The conversion queue's worker: unpacks a job, validates its payload and calls one service. A
 * failure that retrying cannot fix is marked unrecoverable; a crash (a killed child) is rethrown
 * for the queue to retry, up to CONVERSION_ATTEMPTS.
 */
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { ConversionJobName, DomainError, QuantizeInt8PayloadSchema, QueueName, type QuantizeInt8Result } from '@farm/contracts';
import { UnrecoverableError, type Job } from '@farm/queue';
import { collectJobHandlers, dispatchJob, HandlesJob, type JobHandler } from '../queue/job-handlers.js';
import { Int8ConversionService, PermanentConversionError } from './int8-conversion.service.js';

// One conversion at a time: each child may take CONVERSION_MEMORY_MB.
@Processor(QueueName.Conversion, { concurrency: 1 })
export class ConversionProcessor extends WorkerHost implements OnModuleDestroy {
  private readonly logger = new Logger(ConversionProcessor.name);
  private readonly handlers: ReadonlyMap<string, JobHandler>;

  constructor(private readonly int8: Int8ConversionService) {
    super();
    this.handlers = collectJobHandlers(this, QueueName.Conversion, Object.values(ConversionJobName));
  }

  process(job: Job): Promise<unknown> {
    return dispatchJob(this.handlers, QueueName.Conversion, job);
  }

  @HandlesJob(ConversionJobName.QuantizeInt8)
  async quantizeInt8(data: unknown, job: Job): Promise<QuantizeInt8Result> {
    const payload = QuantizeInt8PayloadSchema.safeParse(data);
    if (!payload.success) throw new UnrecoverableError(`bad ${ConversionJobName.QuantizeInt8} payload: ${payload.error.message}`);
    const attempt = job.attemptsMade + 1;
    try {
      return await this.int8.run(payload.data, { attempt, final: attempt >= (job.opts.attempts ?? 1) });
    } catch (e) {
      if (e instanceof PermanentConversionError || e instanceof DomainError) throw new UnrecoverableError(`${e.code}: ${e.message}`);
      throw e;
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error(`conversion job ${job?.name ?? '?'} (${job?.id ?? '?'}) failed: ${error.message}`);
  }

  /** Lets a running conversion finish and stops taking new ones before the database goes away. */
  async onModuleDestroy(): Promise<void> {
    await this.worker.close();
  }
}
