/**
 * Suites' schedules, owned by the worker: one BullMQ job scheduler per suite with a cron (id
 * suiteSchedulerId, pattern and time zone from the suites table), kept in the queue's store so it
 * survives restarts. Synced at start-up and whenever the API asks (a new suite); schedulers of
 * suites that no longer have a cron are removed. The night key of a scheduled start is the slot
 * it was scheduled for, written in the suite's time zone: a slot starts one night, however many
 * times its job is seen (see SuitesRepository.createNight).
 */
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { QueueName, StartNightPayloadSchema, SuiteJobName, suiteSchedulerId } from '@farm/contracts';
import type { Job, Queue } from '@farm/queue';
import { SuitesRepository } from '@farm/api/suites/suites.repository';

/** The slot a scheduler's job was made for: its id ends with it (repeat:<scheduler>:<millis>); else when it was added. */
export function scheduledSlot(job: Pick<Job, 'id' | 'timestamp' | 'opts'>): number {
  const m = /:(\d{10,})$/.exec(job.id ?? '');
  if (m) return Number(m[1]);
  return job.timestamp + (job.opts?.delay ?? 0);
}

/** "2026-11-30T02:00:00 Europe/Berlin": the slot's local wall time in the suite's zone, and the zone. */
export function nightKeyOf(slotMs: number, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(slotMs))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second} ${timezone}`;
}

@Injectable()
export class SuiteScheduleService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SuiteScheduleService.name);

  constructor(
    @InjectQueue(QueueName.Suites) private readonly queue: Queue,
    private readonly suites: SuitesRepository,
  ) {}

  /** Fails start-up when the queue cannot take the schedules. */
  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
  }

  async sync(): Promise<{ scheduled: number; removed: number }> {
    const wanted = new Set<string>();
    for (const s of await this.suites.listSuites()) {
      if (!s.cron) continue;
      const id = suiteSchedulerId(s.id);
      wanted.add(id);
      await this.queue.upsertJobScheduler(
        id,
        { pattern: s.cron, tz: s.timezone },
        {
          name: SuiteJobName.StartNight,
          data: StartNightPayloadSchema.parse({ suiteId: s.id }),
          // A night that could not start is recorded failed on its row; the next slot is the next try.
          opts: { attempts: 1, removeOnComplete: { count: 200 }, removeOnFail: { count: 200 } },
        },
      );
    }
    let removed = 0;
    for (const sch of await this.queue.getJobSchedulers(0, -1)) {
      const id = (sch as { key?: string; id?: string }).id ?? (sch as { key?: string }).key;
      if (id?.startsWith('suite.') && !wanted.has(id)) {
        await this.queue.removeJobScheduler(id);
        removed++;
      }
    }
    this.logger.log(`suite schedules synced: ${wanted.size} scheduled, ${removed} removed`);
    return { scheduled: wanted.size, removed };
  }
}
