/** Database access for benchmark runs and their jobs. */
import { Injectable } from '@nestjs/common';
import type { JobFailure, JobStatus, RunStatus } from '@farm/contracts';
import { PrismaService } from '../prisma/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';

export interface NewJob {
  id: string;
  deviceId: string;
  artifactId: string;
  framework: string;
  options: Prisma.InputJsonValue;
  /** A cell on a variant still being made: stored waiting, on the conversion's source artifact. */
  conversionId?: string;
}

const jobInclude = {
  device: { select: { id: true, name: true, emulated: true, agentId: true } },
  artifact: { include: { derivedFrom: true } },
} satisfies Prisma.BenchmarkJobInclude;
export type JobRow = Prisma.BenchmarkJobGetPayload<{ include: typeof jobInclude }>;

/** The run's status follows from its jobs' statuses; recomputed after every job transition. */
export function deriveRunStatus(counts: Partial<Record<JobStatus, number>>): RunStatus {
  const n = (s: JobStatus) => counts[s] ?? 0;
  // A cell waiting for its variant is as unstarted as a queued one.
  const queued = n('waiting') + n('queued');
  const total = queued + n('running') + n('succeeded') + n('failed') + n('cancelled');
  if (total === 0) return 'queued';
  if (queued + n('running') > 0) return n('running') + n('succeeded') + n('failed') > 0 ? 'running' : 'queued';
  if (n('succeeded') === total) return 'succeeded';
  if (n('cancelled') === total) return 'cancelled';
  if (n('succeeded') > 0) return 'partial';
  return n('failed') > 0 ? 'failed' : 'cancelled';
}

@Injectable()
export class BenchmarksRepository {
  constructor(private readonly prisma: PrismaService) {}

  createRun(modelId: string, request: Prisma.InputJsonValue, nightId: string | null, jobs: NewJob[]) {
    return this.prisma.$transaction(async (tx) => {
      const run = await tx.benchmarkRun.create({ data: { modelId, request, nightId } });
      await tx.benchmarkJob.createMany({
        data: jobs.map((j) => ({ ...j, runId: run.id, status: j.conversionId ? ('waiting' as const) : ('queued' as const) })),
      });
      return run;
    });
  }

  findRun(id: string) {
    return this.prisma.benchmarkRun.findUnique({
      where: { id },
      include: {
        jobs: {
          include: { ...jobInclude, result: { select: { medianMs: true, p90Ms: true, cv: true, robustSpread: true, runs: true } } },
          orderBy: [{ queuedAt: 'asc' }, { id: 'asc' }],
        },
      },
    });
  }

  findJob(id: string): Promise<JobRow | null> {
    return this.prisma.benchmarkJob.findUnique({ where: { id }, include: jobInclude });
  }

  findJobs(ids: string[]): Promise<JobRow[]> {
    return this.prisma.benchmarkJob.findMany({ where: { id: { in: ids } }, include: jobInclude });
  }

  /** Queues the jobs waiting for this conversion on the variant it made; returns them (only those this call moved). */
  async releaseWaiting(conversionId: string, artifactId: string): Promise<JobRow[]> {
    const moved = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE benchmark_jobs SET status = 'queued', artifact_id = ${artifactId}::uuid, queued_at = now()
       WHERE conversion_id = ${conversionId}::uuid AND status = 'waiting'
   RETURNING id`;
    return moved.length ? this.findJobs(moved.map((r) => r.id)) : [];
  }

  /** Fails the jobs waiting for this conversion with its error; returns their runs. */
  async failWaiting(conversionId: string, code: string, message: string): Promise<string[]> {
    const moved = await this.prisma.$queryRaw<{ run_id: string }[]>`
      UPDATE benchmark_jobs SET status = 'failed', error_code = ${code}, error_message = ${message}, finished_at = now()
       WHERE conversion_id = ${conversionId}::uuid AND status = 'waiting'
   RETURNING run_id`;
    return [...new Set(moved.map((r) => r.run_id))];
  }

  /** Conversions that ended while jobs still wait for them (a release lost to a crash or a race). */
  async endedConversionsWithWaitingJobs(limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT DISTINCT c.id FROM conversions c JOIN benchmark_jobs j ON j.conversion_id = c.id
       WHERE j.status = 'waiting' AND c.status IN ('succeeded', 'failed') LIMIT ${limit}`;
    return rows.map((r) => r.id);
  }

  /**
   * Marks a job running unless it already ended; returns the number of rows updated (0: do not run).
   * attempts counts starts as the API saw them: a job re-run after its agent crashed is a new
   * attempt even though the queue, which counts only failures, does not say so.
   */
  async markStarted(id: string, startedAt: Date): Promise<number> {
    return this.prisma.$executeRaw`
      UPDATE benchmark_jobs
         SET status = 'running', attempts = attempts + 1, started_at = ${startedAt}, progress = NULL,
             error_code = NULL, error_message = NULL, error_class = NULL, error_hint = NULL
       WHERE id = ${id}::uuid AND status IN ('queued', 'running')`;
  }

  async setProgress(id: string, progress: Prisma.InputJsonValue): Promise<void> {
    await this.prisma.benchmarkJob.updateMany({ where: { id, status: 'running' }, data: { progress } });
  }

  async recordFailure(id: string, f: Pick<JobFailure, 'code' | 'message' | 'attempt' | 'errorClass' | 'hint'>, terminal: boolean): Promise<void> {
    // attempt is the agent's count, quoted in the message; the attempts column stays the API's own count.
    const error = { errorCode: f.code, errorClass: f.errorClass ?? null, errorHint: f.hint ?? null };
    await this.prisma.benchmarkJob.updateMany({
      where: { id, status: { in: ['queued', 'running'] } },
      data: terminal
        ? { status: 'failed', ...error, errorMessage: f.message, finishedAt: new Date() }
        : { status: 'queued', ...error, errorMessage: `attempt ${f.attempt} failed, will retry: ${f.message}` },
    });
  }

  async cancelJobs(ids: string[]): Promise<number> {
    const r = await this.prisma.benchmarkJob.updateMany({
      where: { id: { in: ids }, status: { in: ['queued', 'waiting'] } },
      data: { status: 'cancelled', finishedAt: new Date() },
    });
    return r.count;
  }

  async refreshRunStatus(runId: string): Promise<RunStatus> {
    const groups = await this.prisma.benchmarkJob.groupBy({ by: ['status'], where: { runId }, _count: { _all: true } });
    const counts: Partial<Record<JobStatus, number>> = {};
    for (const g of groups) counts[g.status] = g._count._all;
    const status = deriveRunStatus(counts);
    const done = status === 'succeeded' || status === 'failed' || status === 'partial' || status === 'cancelled';
    await this.prisma.benchmarkRun.update({ where: { id: runId }, data: { status, finishedAt: done ? new Date() : null } });
    return status;
  }

  /** Jobs the queue should hold: the reconciler re-adds any it lost. */
  queuedJobs(limit: number) {
    return this.prisma.benchmarkJob.findMany({ where: { status: 'queued' }, include: jobInclude, take: limit, orderBy: { queuedAt: 'asc' } });
  }
}
