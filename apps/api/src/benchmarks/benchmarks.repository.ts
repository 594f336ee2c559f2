/** Database access for benchmark runs and their jobs. */
import { Injectable } from '@nestjs/common';
import type { JobStatus, RunStatus } from '@farm/contracts';
import { PrismaService } from '../prisma/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';

export interface NewJob {
  id: string;
  deviceId: string;
  artifactId: string;
  framework: string;
  options: Prisma.InputJsonValue;
}

const jobInclude = {
  device: { select: { id: true, name: true, emulated: true, agentId: true } },
  artifact: { include: { derivedFrom: true } },
} satisfies Prisma.BenchmarkJobInclude;
export type JobRow = Prisma.BenchmarkJobGetPayload<{ include: typeof jobInclude }>;

/** The run's status follows from its jobs' statuses; recomputed after every job transition. */
export function deriveRunStatus(counts: Partial<Record<JobStatus, number>>): RunStatus {
  const n = (s: JobStatus) => counts[s] ?? 0;
  const total = n('queued') + n('running') + n('succeeded') + n('failed') + n('cancelled');
  if (total === 0) return 'queued';
  if (n('queued') + n('running') > 0) return n('running') + n('succeeded') + n('failed') > 0 ? 'running' : 'queued';
  if (n('succeeded') === total) return 'succeeded';
  if (n('cancelled') === total) return 'cancelled';
  if (n('succeeded') > 0) return 'partial';
  return n('failed') > 0 ? 'failed' : 'cancelled';
}

@Injectable()
export class BenchmarksRepository {
  constructor(private readonly prisma: PrismaService) {}

  createRun(modelId: string, request: Prisma.InputJsonValue, jobs: NewJob[]) {
    return this.prisma.$transaction(async (tx) => {
      const run = await tx.benchmarkRun.create({ data: { modelId, request } });
      await tx.benchmarkJob.createMany({ data: jobs.map((j) => ({ ...j, runId: run.id })) });
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

  /**
   * Marks a job running unless it already ended; returns the number of rows updated (0: do not run).
   * attempts counts starts as the API saw them: a job re-run after its agent crashed is a new
   * attempt even though the queue, which counts only failures, does not say so.
   */
  async markStarted(id: string, startedAt: Date): Promise<number> {
    return this.prisma.$executeRaw`
      UPDATE benchmark_jobs
         SET status = 'running', attempts = attempts + 1, started_at = ${startedAt}, progress = NULL,
             error_code = NULL, error_message = NULL
       WHERE id = ${id}::uuid AND status IN ('queued', 'running')`;
  }

  async setProgress(id: string, progress: Prisma.InputJsonValue): Promise<void> {
    await this.prisma.benchmarkJob.updateMany({ where: { id, status: 'running' }, data: { progress } });
  }

  async recordFailure(id: string, code: string, message: string, terminal: boolean, attempt: number): Promise<void> {
    // attempt is the agent's count, quoted in the message; the attempts column stays the API's own count.
    await this.prisma.benchmarkJob.updateMany({
      where: { id, status: { in: ['queued', 'running'] } },
      data: terminal
        ? { status: 'failed', errorCode: code, errorMessage: message, finishedAt: new Date() }
        : { status: 'queued', errorCode: code, errorMessage: `attempt ${attempt} failed, will retry: ${message}` },
    });
  }

  async cancelJobs(ids: string[]): Promise<number> {
    const r = await this.prisma.benchmarkJob.updateMany({
      where: { id: { in: ids }, status: 'queued' },
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
