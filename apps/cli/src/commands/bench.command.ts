/**
 * `farm bench`: upload model files as artifacts of one model, queue one benchmark run, follow it
 * with a progress bar, then print the comparison table and the dashboard link.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar, Presets } from 'cli-progress';
import { BenchmarkRequestSchema, type BenchmarkRequestInput } from '@farm/contracts';
import { ApiClient, ApiError } from '../api-client.js';
import type { RunStatus, UploadResponse } from '../api-client.js';
import { describeRunning, formatCompareTable, formatFailures } from '../table-format.js';

export interface BenchOptions {
  name?: string;
  platform?: string;
  device?: string[];
  framework?: string[];
  threads?: number;
  warmup?: number;
  runs?: number;
  profileRuns?: number;
  /** true (the default calibration) or a calibration method: also run the int8 variant. */
  quantize?: boolean | 'minmax' | 'percentile';
  timeout: number;
  json: boolean;
  pollMs?: number;
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** Returns the process exit code: 0 when every job succeeded, 1 when any failed. */
export async function bench(api: ApiClient, files: string[], opts: BenchOptions, out: (line: string) => void): Promise<number> {
  const log = opts.json ? () => {} : out;
  const uploads: Array<UploadResponse & { file: string }> = [];
  let modelId: string | undefined;
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new ApiError('FILE_UNREADABLE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const r = await api.uploadModel({ bytes, fileName: basename(file) }, modelId ? { modelId } : { name: opts.name });
    if (modelId && r.model.id !== modelId) {
      // Same bytes were uploaded before under another model: the API keeps one artifact per sha256.
      log(`note: ${file} is already an artifact of model ${r.model.name} (${r.model.id}); it is benchmarked there, not under ${modelId}`);
    }
    modelId ??= r.model.id;
    uploads.push({ ...r, file });
    log(`${r.deduplicated ? 'already uploaded' : 'uploaded'}: ${file} -> model ${r.model.name} (${r.model.id}), artifact ${r.artifactId}`);
  }
  if (!modelId) throw new ApiError('VALIDATION_FAILED', 'give at least one model file');

  const options = {
    ...(opts.threads !== undefined && { threads: opts.threads }),
    ...(opts.warmup !== undefined && { warmupRuns: opts.warmup }),
    ...(opts.runs !== undefined && { timedRuns: opts.runs }),
    ...(opts.profileRuns !== undefined && { profileRuns: opts.profileRuns }),
  };
  const request: BenchmarkRequestInput = {
    modelId,
    artifactIds: [...new Set(uploads.filter((u) => u.model.id === modelId).map((u) => u.artifactId))],
    targets: opts.device?.length ? { deviceIds: opts.device } : { platform: (opts.platform ?? 'linux') as never },
    ...(opts.framework?.length && { frameworks: opts.framework as never }),
    ...(Object.keys(options).length > 0 && { options }),
    ...(opts.quantize && { quantize: { calibration: opts.quantize === true ? 'percentile' : opts.quantize } }),
  };
  // Checked here too so a typo in a framework name or an out-of-range number fails before anything is queued.
  const check = BenchmarkRequestSchema.safeParse(request);
  if (!check.success) {
    throw new ApiError('VALIDATION_FAILED', check.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  }
  const created = await api.createBenchmark(request);
  log(`queued run ${created.runId}: ${created.jobs} job(s)${created.waiting ? `, ${created.waiting} waiting for the worker to make their int8 variant` : ''}`);
  for (const d of created.skippedDevices) log(`skipped ${d.name} (${d.id}): ${d.status}, nothing was queued on it`);
  for (const c of created.skippedCells)
    log(`left out ${c.framework} on artifact ${c.artifactId}: known to fail (${c.why}); the API's "tryAnyway" queues it regardless`);

  const status = await follow(api, created.runId, created.jobs, opts);
  const failures = formatFailures(status.jobs);
  const compare = await api.compare(modelId);
  const dashboardUrl = api.dashboardUrl(modelId);

  if (opts.json) {
    out(JSON.stringify({ runId: created.runId, modelId, status: status.status, counts: status.counts, jobs: status.jobs, compare, dashboardUrl }, null, 2));
  } else {
    out('');
    out(formatCompareTable(compare));
    out('');
    out(
      `run ${created.runId}: ${status.status} (${status.counts.succeeded ?? 0} succeeded, ${status.counts.failed ?? 0} failed, ${status.counts.cancelled ?? 0} cancelled)`,
    );
    for (const f of failures) out(`failed: ${f}`);
    out(`dashboard: ${dashboardUrl}`);
  }
  return failures.length > 0 ? 1 : 0;
}

async function follow(api: ApiClient, runId: string, jobCount: number, opts: BenchOptions): Promise<RunStatus> {
  const deadline = Date.now() + opts.timeout * 1000;
  const bar = opts.json
    ? undefined
    : new SingleBar({ format: 'jobs {bar} {value}/{total} | {status}', hideCursor: true, clearOnComplete: false, etaBuffer: 20 }, Presets.shades_classic);
  bar?.start(jobCount, 0, { status: 'queued' });
  try {
    for (;;) {
      const s = await api.benchmarkStatus(runId);
      const done = s.jobs.filter((j) => FINISHED.has(j.status)).length;
      bar?.setTotal(s.jobs.length);
      bar?.update(done, { status: describeRunning(s.jobs) || s.status });
      if (done === s.jobs.length) return s;
      if (Date.now() > deadline) {
        throw new ApiError(
          'TIMEOUT',
          `run ${runId} not finished after ${opts.timeout} s (${done}/${s.jobs.length} jobs done); it keeps running, follow it with GET /benchmarks/${runId}`,
        );
      }
      await sleep(opts.pollMs ?? 1000);
    }
  } finally {
    bar?.stop();
  }
}
