/**
 * Durable delivery of what a job produced. A result or final failure is written to disk (temp
 * file, fsync, rename) before the queue job is acknowledged, then delivered to the API until it
 * answers. The API stores results idempotently by job id, so redelivery after a crash is safe:
 * nothing is lost when the API is down, nothing is stored twice when a job is retried.
 */
import { Logger } from '@nestjs/common';
import { mkdirSync, openSync, fsyncSync, writeSync, closeSync, renameSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { JobFailure, ResultSubmission } from '@farm/contracts';
import { ApiError, type ApiClient } from '../api/api-client.js';

export type OutboxEntry = { kind: 'result'; body: ResultSubmission } | { kind: 'failure'; body: JobFailure };

export class ResultOutbox {
  private readonly logger = new Logger(ResultOutbox.name);
  private readonly dir: string;
  private readonly deadDir: string;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private backoffMs = 0;
  private stopped = false;

  constructor(
    dataDir: string,
    private readonly api: ApiClient,
    private readonly maxBackoffMs = 30_000,
  ) {
    this.dir = join(dataDir, 'outbox');
    this.deadDir = join(dataDir, 'outbox-rejected');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.deadDir, { recursive: true });
  }

  private fileName(e: OutboxEntry): string {
    // Time prefix keeps delivery in write order; one file per (job, attempt, kind).
    return `${Date.now().toString().padStart(15, '0')}-${e.body.jobId}-${e.body.attempt}-${e.kind}.json`;
  }

  /** Writes the entry durably; returns only when it would survive a power cut. */
  put(e: OutboxEntry): void {
    const final = join(this.dir, this.fileName(e));
    const tmp = `${final}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(e));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
    const dfd = openSync(this.dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
    this.kick();
  }

  /** True when a result for this job is waiting for delivery (a retry of the job need not run again). */
  hasResult(jobId: string): boolean {
    return readdirSync(this.dir).some((f) => f.includes(`-${jobId}-`) && f.endsWith('-result.json'));
  }

  pending(): number {
    return readdirSync(this.dir).filter((f) => f.endsWith('.json')).length;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), 0);
  }

  /**
   * Delivers everything pending, oldest first; on a retryable failure waits with backoff and tries again.
   * An entry written while a pass is under way (two devices finishing together) may be missing from
   * that pass's directory listing, so a drain asked for meanwhile runs one more pass after it.
   */
  drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.drainAgain = false;
        await this.drainOnce();
      } while (this.drainAgain && !this.stopped && this.backoffMs === 0);
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    for (const f of readdirSync(this.dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const path = join(this.dir, f);
      if (!existsSync(path)) continue;
      let entry: OutboxEntry;
      try {
        entry = JSON.parse(readFileSync(path, 'utf8')) as OutboxEntry;
      } catch (e) {
        this.logger.error(`unreadable outbox entry ${f} moved aside: ${(e as Error).message}`);
        renameSync(path, join(this.deadDir, f));
        continue;
      }
      try {
        if (entry.kind === 'result') await this.api.submitResult(entry.body);
        else await this.api.jobFailed(entry.body);
        rmSync(path);
        this.backoffMs = 0;
      } catch (e) {
        if (e instanceof ApiError && !e.retryable) {
          // The API refused it for good (e.g. the job was deleted); keep it for inspection, do not block the rest.
          this.logger.error(`API rejected outbox entry ${f}: ${e.message}; moved to ${this.deadDir}`);
          renameSync(path, join(this.deadDir, f));
          continue;
        }
        this.backoffMs = Math.min(this.maxBackoffMs, this.backoffMs ? this.backoffMs * 2 : 500);
        this.logger.warn(`delivery of ${entry.kind} for job ${entry.body.jobId} failed (${(e as Error).message}); retrying in ${this.backoffMs} ms`);
        if (!this.stopped) {
          this.timer = setTimeout(() => void this.drain(), this.backoffMs);
          this.timer.unref();
        }
        return;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.draining;
  }
}
