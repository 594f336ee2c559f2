/**
 * Result ingestion (idempotent: the first delivery of a job's result is stored, later ones are
 * acknowledged and dropped) and result reads.
 */
import { Injectable, Logger } from '@nestjs/common';
import { DomainError, judgeLayerSum, type ResultSubmission, type ResultView, type RunResults } from '@farm/contracts';
import { latencyStats } from '@farm/stats';
import { ResultsRepository } from './results.repository.js';
import { resultView } from './result-view.js';
import { BenchmarksRepository, type JobRow } from '../benchmarks/benchmarks.repository.js';

@Injectable()
export class ResultsService {
  private readonly logger = new Logger(ResultsService.name);

  constructor(
    private readonly repo: ResultsRepository,
    private readonly jobs: BenchmarksRepository,
  ) {}

  /** job: the row the caller already loaded to check ownership, so it is not read twice. */
  async ingest(sub: ResultSubmission, job: JobRow) {
    // The agent cannot know how the variant was calibrated; the artifact's quantization report does.
    const synthetic = (job.artifact.metadata as { quantization?: { syntheticCalibration?: boolean } }).quantization?.syntheticCalibration;
    const agreement = sub.output.agreement ? { ...sub.output.agreement, ...(synthetic !== undefined ? { syntheticCalibration: synthetic } : {}) } : undefined;
    const stats = latencyStats(sub.output.latenciesMs);
    const layerSum = judgeLayerSum(
      sub.output.layers.map((l) => l.timeMs),
      stats.medianMs,
      sub.output.layerBasis,
    );
    const outcome = await this.repo.ingest(sub, job.runId, stats, layerSum, agreement);
    if (!outcome.stored) this.logger.log(`result for job ${sub.jobId} delivered again (attempt ${sub.attempt}); kept the stored one`);
    return outcome;
  }

  async forJob(jobId: string): Promise<ResultView> {
    const r = await this.repo.findByJob(jobId);
    if (!r) {
      const job = await this.jobs.findJob(jobId);
      if (!job) throw new DomainError('JOB_NOT_FOUND', `no job with id "${jobId}"`);
      throw new DomainError(
        'RESULT_NOT_FOUND',
        `job ${jobId} has no result yet (status: ${job.status}${job.errorMessage ? `, error: ${job.errorMessage}` : ''})`,
      );
    }
    return resultView(r);
  }

  async forRun(runId: string): Promise<RunResults> {
    const run = await this.jobs.findRun(runId);
    if (!run) throw new DomainError('RUN_NOT_FOUND', `no benchmark run with id "${runId}"`);
    return { runId, status: run.status, results: (await this.repo.findByRun(runId)).map(resultView) };
  }
}
