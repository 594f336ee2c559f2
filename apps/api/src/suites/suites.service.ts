/**
 * Suites for the API: create (the spec validated, its models resolvable, its cron and time zone
 * readable by the scheduler's own parser), read, "run now", nights and trends. Schedules are
 * owned by the worker: a new suite asks it to sync its job schedulers.
 */
import { Injectable, Logger } from '@nestjs/common';
import { CronExpressionParser } from 'cron-parser';
import { DomainError, type CreateSuiteRequest, type Page, type PageQuery, type SuiteNightView, type SuiteTrends, type SuiteView } from '@farm/contracts';
import { SuitesRepository, type NightRow } from './suites.repository.js';
import { SuiteNightsService } from './suite-nights.service.js';
import { SuiteQueueProducer } from '../queue/suite-queue.producer.js';
import { nightView, suiteView } from './suite-views.js';
import { toPage } from '../common/page.js';
import { cellKey, recordedEnvironment } from './cells.js';
import type { Prisma } from '../generated/prisma/client.js';

@Injectable()
export class SuitesService {
  private readonly logger = new Logger(SuitesService.name);

  constructor(
    private readonly suites: SuitesRepository,
    private readonly nights: SuiteNightsService,
    private readonly queue: SuiteQueueProducer,
  ) {}

  async create(req: CreateSuiteRequest): Promise<SuiteView> {
    if (req.schedule) checkSchedule(req.schedule.cron, req.schedule.timezone);
    await this.nights.resolveModels(req.spec);
    const suite = await this.suites.createSuite({
      name: req.name,
      spec: req.spec as unknown as Prisma.InputJsonValue,
      cron: req.schedule?.cron ?? null,
      timezone: req.schedule?.timezone ?? 'UTC',
    });
    if (suite.cron) {
      try {
        await this.queue.syncSchedules();
      } catch (e) {
        // The worker syncs all schedules at its start too; a lost request delays the schedule, it does not lose it.
        this.logger.warn(`suite ${suite.name} stored; its schedule is synced when the worker next starts (${(e as Error).message})`);
      }
    }
    return suiteView(suite, null);
  }

  async list(page: PageQuery): Promise<Page<SuiteView>> {
    const rows = await this.suites.pageSuites(page);
    const lastNights = new Map<string, NightRow | null>();
    for (const s of rows.slice(0, page.limit)) lastNights.set(s.id, await this.suites.lastNight(s.id));
    return toPage(rows, page, (s) => suiteView(s, lastNights.get(s.id) ?? null));
  }

  async get(id: string): Promise<SuiteView> {
    const s = await this.suites.findSuite(id);
    if (!s) throw new DomainError('SUITE_NOT_FOUND', `no suite with id "${id}"; list suites with GET /suites`);
    return suiteView(s, await this.suites.lastNight(id));
  }

  /** Starts a night now, keyed by the request time (a manual night never collides with a scheduled one). */
  async runNow(id: string): Promise<SuiteNightView> {
    await this.get(id);
    const night = await this.nights.startNight(id, `manual.${new Date().toISOString()}`, 'manual');
    if (!night) throw new DomainError('JOB_STATE_CONFLICT', 'a night with this key was started a moment ago; try again');
    return nightView(night);
  }

  async listNights(id: string): Promise<SuiteNightView[]> {
    await this.get(id);
    return (await this.suites.listNights(id)).map(nightView);
  }

  /** Each cell's median per night (with its interval), the night's environment, and where a change was confirmed. */
  async trends(id: string): Promise<SuiteTrends> {
    await this.get(id);
    const nights = (await this.suites.listNights(id, 60)).filter((n) => n.kind === 'night' && n.status !== 'failed').reverse();
    const jobs = await this.suites.cellJobs(nights.map((n) => n.id));
    const regressions = await this.suites.listRegressions({ suiteId: id });
    const changeAt = new Map(regressions.filter((r) => r.state !== 'suspected' && r.state !== 'false_alarm').map((r) => [`${r.nightId}|${r.cellKey}`, r.id]));
    const nightById = new Map(nights.map((n) => [n.id, n]));
    const cells = new Map<string, SuiteTrends['cells'][number]>();
    for (const j of jobs) {
      if (!j.result) continue;
      const key = cellKey(j);
      const night = nightById.get(j.run.nightId!)!;
      let cell = cells.get(key);
      if (!cell) {
        cell = {
          cellKey: key,
          modelSlug: j.artifact.model.slug ?? j.artifact.model.name,
          deviceId: j.deviceId,
          deviceName: j.device.name,
          framework: j.framework,
          points: [],
        };
        cells.set(key, cell);
      }
      cell.points.push({
        nightId: night.id,
        nightKey: night.nightKey,
        kind: night.kind,
        createdAt: night.createdAt.toISOString(),
        resultId: j.result.id,
        medianMs: j.result.medianMs,
        ciLowMs: j.result.medianCiLowMs,
        ciHighMs: j.result.medianCiHighMs,
        modelVersion: j.artifact.version,
        frameworkVersion: j.result.frameworkVersion,
        ...recordedEnvironment(j.result.environment),
        temperatureC: j.result.temperatureC,
        cpuFreqMHz: j.result.cpuFreqMHz,
        regressionId: changeAt.get(`${night.id}|${key}`) ?? null,
      });
    }
    for (const c of cells.values()) c.points.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return { suiteId: id, cells: [...cells.values()] };
  }
}

/** The scheduler reads cron with cron-parser (BullMQ's own parser); a pattern or zone it cannot read is refused here, not at night. */
export function checkSchedule(cron: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new DomainError('SCHEDULE_INVALID', `"${timezone}" is not an IANA time zone (e.g. UTC, Europe/Berlin, America/New_York)`);
  }
  try {
    CronExpressionParser.parse(cron, { tz: timezone }).next();
  } catch (e) {
    throw new DomainError('SCHEDULE_INVALID', `cron "${cron}" cannot be read: ${(e as Error).message}`);
  }
}
