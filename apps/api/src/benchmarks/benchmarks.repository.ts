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
  device: { select: { id: true, name: true, emulated: true, agentId: true, status: true, lastHeartbeatAt: true } },
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
    const moved = await this.inRuns(
      await this.runsWaitingOn(conversionId),
      async (tx) =>
        tx.$queryRaw<{ id: string }[]>`
      UPDATE benchmark_jobs SET status = 'queued', artifact_id = ${artifactId}::uuid, queued_at = now()
       WHERE conversion_id = ${conversionId}::uuid AND status = 'waiting'
   RETURNING id`,
    );
    return moved.length ? this.findJobs(moved.map((r) => r.id)) : [];
  }

  /** Fails the jobs waiting for this conversion with its error; returns their runs. */
  async failWaiting(conversionId: string, code: string, message: string): Promise<string[]> {
    const moved = await this.inRuns(
      await this.runsWaitingOn(conversionId),
      async (tx) =>
        tx.$queryRaw<{ run_id: string }[]>`
      UPDATE benchmark_jobs SET status = 'failed', error_code = ${code}, error_message = ${message}, finished_at = now()
       WHERE conversion_id = ${conversionId}::uuid AND status = 'waiting'
   RETURNING run_id`,
    );
    return [...new Set(moved.map((r) => r.run_id))];
  }

  private async runsWaitingOn(conversionId: string): Promise<string[]> {
    const rows = await this.prisma.benchmarkJob.findMany({ where: { conversionId, status: 'waiting' }, select: { runId: true }, distinct: ['runId'] });
    return rows.map((r) => r.runId);
  }

  /**
   * Runs a job transition and recomputes the status of the runs it touches in one transaction,
   * with the runs' rows locked first: two jobs of one run ending together are serialized, and a
   * crash cannot leave a job finished beside a run that still says running.
   */
  private inRuns<T>(runIds: string[], fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      const ids = [...new Set(runIds)].sort();
      if (ids.length) await tx.$queryRaw`SELECT id FROM benchmark_runs WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
      const out = await fn(tx);
      for (const id of ids) await refreshRunStatusIn(tx, id);
      return out;
    });
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
   * attempt even though the queue, which counts only failures, does not say so. The last error
   * stays until the job succeeds, so a retried job still says why its previous attempt failed.
   */
  async markStarted(job: { id: string; runId: string }, startedAt: Date): Promise<number> {
    return this.inRuns(
      [job.runId],
      (tx) => tx.$executeRaw`
      UPDATE benchmark_jobs
         SET status = 'running', attempts = attempts + 1, started_at = ${startedAt}, progress = NULL
       WHERE id = ${job.id}::uuid AND status IN ('queued', 'running')`,
    );
  }

  async setProgress(id: string, progress: Prisma.InputJsonValue): Promise<void> {
    await this.prisma.benchmarkJob.updateMany({ where: { id, status: 'running' }, data: { progress } });
  }

  async recordFailure(
    job: { id: string; runId: string },
    f: Pick<JobFailure, 'code' | 'message' | 'attempt' | 'errorClass' | 'hint'>,
    terminal: boolean,
  ): Promise<void> {
    // attempt is the agent's count, quoted in the message; the attempts column stays the API's own count.
    const error = { errorCode: f.code, errorClass: f.errorClass ?? null, errorHint: f.hint ?? null };
    await this.inRuns([job.runId], (tx) =>
      tx.benchmarkJob.updateMany({
        where: { id: job.id, status: { in: ['queued', 'running'] } },
        data: terminal
          ? { status: 'failed', ...error, errorMessage: f.message, finishedAt: new Date() }
          : { status: 'queued', ...error, errorMessage: `attempt ${f.attempt} failed, will retry: ${f.message}` },
      }),
    );
  }

  /**
   * Cancels the run's jobs that have not started, in Postgres first: an agent that takes one
   * from the queue afterwards is refused at start. Returns them, so their queue entries can go.
   */
  async cancelUnstarted(runId: string): Promise<{ id: string; deviceId: string }[]> {
    return this.inRuns(
      [runId],
      (tx) => tx.$queryRaw<{ id: string; deviceId: string }[]>`
      UPDATE benchmark_jobs SET status = 'cancelled', finished_at = now()
       WHERE run_id = ${runId}::uuid AND status IN ('queued', 'waiting')
   RETURNING id, device_id AS "deviceId"`,
    );
  }

  /** Fails jobs that have not ended (an abandoned device, a queue that gave up on them) with one reason. */
  async failUnfinished(jobs: { id: string; runId: string }[], code: string, message: string): Promise<number> {
    if (jobs.length === 0) return 0;
    return this.inRuns(
      jobs.map((j) => j.runId),
      (tx) => tx.$executeRaw`
      UPDATE benchmark_jobs SET status = 'failed', error_code = ${code}, error_message = ${message}, finished_at = now()
       WHERE id = ANY(${jobs.map((j) => j.id)}::uuid[]) AND status IN ('queued', 'running')`,
    );
  }

  /** A running job whose queue entry is gone goes back to queued, with why; returns 0 when it moved on meanwhile. */
  async requeueRunning(job: { id: string; runId: string }, code: string, message: string): Promise<number> {
    return this.inRuns(
      [job.runId],
      (tx) => tx.$executeRaw`
      UPDATE benchmark_jobs SET status = 'queued', error_code = ${code}, error_message = ${message}, progress = NULL
       WHERE id = ${job.id}::uuid AND status = 'running'`,
    );
  }

  /** For each queued job of the run: how many jobs are ahead of it on its device (the one running, and those queued before it). */
  async jobsAhead(runId: string): Promise<Map<string, number>> {
    const rows = await this.prisma.$queryRaw<{ id: string; ahead: number }[]>`
      SELECT j.id, (SELECT count(*) FROM benchmark_jobs o
                     WHERE o.device_id = j.device_id
                       AND (o.status = 'running' OR (o.status = 'queued' AND (o.queued_at, o.id) < (j.queued_at, j.id))))::int AS ahead
        FROM benchmark_jobs j
       WHERE j.run_id = ${runId}::uuid AND j.status = 'queued'`;
    return new Map(rows.map((r) => [r.id, r.ahead]));
  }

  /** Failed jobs and unfinished jobs on silent devices, newest first: what GET /jobs/attention shows. */
  attentionJobs(silentBefore: Date, limit: number) {
    return this.prisma.benchmarkJob.findMany({
      where: {
        OR: [{ status: 'failed' }, { status: { in: ['queued', 'running'] }, device: { lastHeartbeatAt: { lt: silentBefore } } }],
      },
      include: jobInclude,
      orderBy: [{ queuedAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }

  /** Unfinished jobs in (queued_at, id) order after a cursor: the reconciler walks all of them, a page at a time. */
  unfinishedJobsAfter(status: 'queued' | 'running', after: { queuedAt: Date; id: string } | null, limit: number) {
    return this.prisma.benchmarkJob.findMany({
      where: {
        status,
        ...(after ? { OR: [{ queuedAt: { gt: after.queuedAt } }, { queuedAt: after.queuedAt, id: { gt: after.id } }] } : {}),
      },
      include: jobInclude,
      take: limit,
      orderBy: [{ queuedAt: 'asc' }, { id: 'asc' }],
    });
  }
}

/** Recomputes a run's status from its jobs inside the caller's transaction (which holds the run's row lock). */
export async function refreshRunStatusIn(tx: Prisma.TransactionClient, runId: string): Promise<RunStatus> {
  const groups = await tx.benchmarkJob.groupBy({ by: ['status'], where: { runId }, _count: { _all: true } });
  const counts: Partial<Record<JobStatus, number>> = {};
  for (const g of groups) counts[g.status] = g._count._all;
  const status = deriveRunStatus(counts);
  const done = status === 'succeeded' || status === 'failed' || status === 'partial' || status === 'cancelled';
  await tx.benchmarkRun.update({ where: { id: runId }, data: { status, finishedAt: done ? new Date() : null } });
  return status;
}

/** Locks a run's row for the rest of the caller's transaction: every job transition takes it first. */
export async function lockRun(tx: Prisma.TransactionClient, runId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM benchmark_runs WHERE id = ${runId}::uuid FOR UPDATE`;
}
