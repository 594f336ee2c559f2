/** Database access for suites, their nights, and the regressions the nights found. */
import { Injectable } from '@nestjs/common';
import { DomainError, type PageQuery } from '@farm/contracts';
import { PrismaService } from '../prisma/prisma.service.js';
import { pageArgs } from '../common/page.js';
import type { NightKind, NightStatus, Prisma, RegressionState } from '../generated/prisma/client.js';

const nightInclude = { runs: { select: { id: true, status: true } } } satisfies Prisma.SuiteNightInclude;
export type NightRow = Prisma.SuiteNightGetPayload<{ include: typeof nightInclude }>;

/** What detection and attribution read of a result: the cell it belongs to and the measurement. */
const cellResultSelect = {
  id: true,
  deviceId: true,
  framework: true,
  options: true,
  artifact: { select: { id: true, modelId: true, version: true, variant: true, format: true, sha256: true, model: { select: { slug: true, name: true } } } },
  device: { select: { name: true } },
  run: { select: { nightId: true } },
  /** The order the device ran them in: a paired confirmation's rounds are read in it. */
  startedAt: true,
  result: {
    select: {
      id: true,
      latenciesMs: true,
      medianMs: true,
      medianCiLowMs: true,
      medianCiHighMs: true,
      frameworkVersion: true,
      environment: true,
      temperatureC: true,
      cpuFreqMHz: true,
      layers: { select: { name: true, opType: true, opClass: true, timeMs: true }, orderBy: { idx: 'asc' } },
    },
  },
} satisfies Prisma.BenchmarkJobSelect;
export type CellJobRow = Prisma.BenchmarkJobGetPayload<{ select: typeof cellResultSelect }>;

const regressionInclude = {
  suite: { select: { name: true } },
  night: { select: { nightKey: true } },
} satisfies Prisma.RegressionInclude;
export type RegressionRow = Prisma.RegressionGetPayload<{ include: typeof regressionInclude }>;

export interface NewRegression {
  suiteId: string;
  nightId: string;
  cellKey: string;
  modelId: string;
  deviceId: string;
  framework: string;
  options: Prisma.InputJsonValue;
  direction: string;
  detection: Prisma.InputJsonValue;
  resultId: string;
  baselineResultId: string;
}

@Injectable()
export class SuitesRepository {
  constructor(private readonly prisma: PrismaService) {}

  async createSuite(data: { name: string; spec: Prisma.InputJsonValue; cron: string | null; timezone: string }) {
    try {
      return await this.prisma.suite.create({ data });
    } catch (e) {
      if ((e as { code?: string }).code === 'P2002') throw new DomainError('SUITE_EXISTS', `a suite named "${data.name}" exists already; pick another name`);
      throw e;
    }
  }

  listSuites() {
    return this.prisma.suite.findMany({ orderBy: { createdAt: 'asc' }, take: 500 });
  }

  /** One page in creation order (the stable order of the cursor). */
  pageSuites(page: PageQuery) {
    return this.prisma.suite.findMany(pageArgs(page));
  }

  findSuite(id: string) {
    return this.prisma.suite.findUnique({ where: { id } });
  }

  lastNight(suiteId: string): Promise<NightRow | null> {
    return this.prisma.suiteNight.findFirst({ where: { suiteId }, orderBy: { createdAt: 'desc' }, include: nightInclude });
  }

  /**
   * Creates the night unless (suite, night key) exists: the unique key is what makes a schedule
   * slot start once, however many workers see it or restart. Returns null when it existed.
   */
  async createNight(n: { suiteId: string; nightKey: string; kind: NightKind; trigger: string; parentId?: string }): Promise<NightRow | null> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      INSERT INTO suite_nights (id, suite_id, night_key, kind, trigger, parent_id)
      VALUES (gen_random_uuid(), ${n.suiteId}::uuid, ${n.nightKey}, ${n.kind}::"NightKind", ${n.trigger}, ${n.parentId ?? null}::uuid)
      ON CONFLICT (suite_id, night_key) DO NOTHING RETURNING id`;
    return rows.length ? this.findNight(rows[0]!.id) : null;
  }

  findNight(id: string): Promise<NightRow | null> {
    return this.prisma.suiteNight.findUnique({ where: { id }, include: nightInclude });
  }

  listNights(suiteId: string, take = 100): Promise<NightRow[]> {
    return this.prisma.suiteNight.findMany({ where: { suiteId }, orderBy: { createdAt: 'desc' }, take, include: nightInclude });
  }

  async updateNight(id: string, data: { status?: NightStatus; resolved?: Prisma.InputJsonValue; error?: string; evaluatedAt?: Date }): Promise<void> {
    await this.prisma.suiteNight.update({ where: { id }, data });
  }

  /** Moves a night from one status to another; false when another evaluation moved it first. */
  async claimNight(id: string, from: NightStatus, to: NightStatus): Promise<boolean> {
    return (await this.prisma.suiteNight.updateMany({ where: { id, status: from }, data: { status: to } })).count === 1;
  }

  /** The night a run belongs to, when every run of that night has ended (nothing queued, waiting or running). */
  async nightReadyForEvaluation(runId: string): Promise<string | null> {
    const rows = await this.prisma.$queryRaw<{ night_id: string }[]>`
      SELECT r.night_id FROM benchmark_runs r
       WHERE r.id = ${runId}::uuid AND r.night_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM benchmark_runs o WHERE o.night_id = r.night_id AND o.status IN ('queued', 'running'))`;
    return rows[0]?.night_id ?? null;
  }

  /** Nights still marked running whose runs have all ended: an evaluation lost to a crash or a queue loss. */
  async nightsAwaitingEvaluation(limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT n.id FROM suite_nights n
       WHERE n.status = 'running' AND EXISTS (SELECT 1 FROM benchmark_runs r WHERE r.night_id = n.id)
         AND NOT EXISTS (SELECT 1 FROM benchmark_runs r WHERE r.night_id = n.id AND r.status IN ('queued', 'running'))
       LIMIT ${limit}`;
    return rows.map((r) => r.id);
  }

  /** The jobs (with their results) of these nights' runs. */
  cellJobs(nightIds: string[]): Promise<CellJobRow[]> {
    return this.prisma.benchmarkJob.findMany({ where: { run: { nightId: { in: nightIds } } }, select: cellResultSelect });
  }

  /** The suite's nights (not confirmations) before `before`, newest first, that were evaluated. */
  async previousNights(suiteId: string, before: Date, take: number) {
    return this.prisma.suiteNight.findMany({
      where: { suiteId, kind: 'night', status: { in: ['evaluated', 'confirming'] }, createdAt: { lt: before } },
      orderBy: { createdAt: 'desc' },
      take,
      select: { id: true, nightKey: true, createdAt: true },
    });
  }

  /** Per cell, the night of its latest confirmed change (not a false alarm), for where its baseline restarts. */
  async changeNights(suiteId: string, before: Date): Promise<Map<string, Date>> {
    const rows = await this.prisma.regression.findMany({
      where: { suiteId, state: { in: ['open', 'acknowledged', 'resolved'] }, night: { createdAt: { lt: before } } },
      select: { cellKey: true, night: { select: { createdAt: true } } },
    });
    const out = new Map<string, Date>();
    for (const r of rows) if (!out.has(r.cellKey) || out.get(r.cellKey)! < r.night.createdAt) out.set(r.cellKey, r.night.createdAt);
    return out;
  }

  async createRegression(r: NewRegression) {
    return this.prisma.regression.upsert({ where: { nightId_cellKey: { nightId: r.nightId, cellKey: r.cellKey } }, create: r, update: {} });
  }

  suspectsOf(nightId: string) {
    return this.prisma.regression.findMany({ where: { nightId, state: 'suspected' } });
  }

  async settleRegression(
    id: string,
    data: { state: RegressionState; confirmation?: Prisma.InputJsonValue; attribution?: Prisma.InputJsonValue; likelyCause?: string; confirmResultId?: string },
  ): Promise<void> {
    await this.prisma.regression.update({ where: { id }, data });
  }

  async markAlerted(id: string): Promise<void> {
    await this.prisma.regression.updateMany({ where: { id, alertedAt: null }, data: { alertedAt: new Date() } });
  }

  findRegression(id: string): Promise<RegressionRow | null> {
    return this.prisma.regression.findUnique({ where: { id }, include: regressionInclude });
  }

  listRegressions(where: { state?: RegressionState; suiteId?: string }): Promise<RegressionRow[]> {
    return this.prisma.regression.findMany({
      where: { ...(where.state ? { state: where.state } : {}), ...(where.suiteId ? { suiteId: where.suiteId } : {}) },
      orderBy: { createdAt: 'desc' },
      take: 500,
      include: regressionInclude,
    });
  }

  /** One page, newest first, of the regressions that pass the filters. */
  pageRegressions(filter: { state?: RegressionState; suiteId?: string }, page: PageQuery): Promise<RegressionRow[]> {
    const { where, ...order } = pageArgs(page, 'desc');
    return this.prisma.regression.findMany({
      where: { AND: [where, { ...(filter.state ? { state: filter.state } : {}), ...(filter.suiteId ? { suiteId: filter.suiteId } : {}) }] },
      ...order,
      include: regressionInclude,
    });
  }

  async setRegressionState(id: string, state: RegressionState): Promise<void> {
    await this.prisma.regression.update({ where: { id }, data: { state } });
  }

  deviceNames(ids: string[]) {
    return this.prisma.device.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  }
}
