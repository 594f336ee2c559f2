/**
 * Durable delivery of what a job produced. A result or final failure is written to disk (temp
 * file, fsync, rename) before the queue job is acknowledged, then delivered to the API until it
 * answers. The API stores results idempotently by job id, so redelivery after a crash is safe:
 * nothing is lost when the API is down, nothing is stored twice when a job is retried.
 *
 * One entry cannot hold up the rest: while the API is unreachable (or says it is: 503, 429) the
 * whole outbox waits, in order; an entry the API answers with another 5xx waits on its own
 * backoff while later entries go, and once later entries have been delivered past it several
 * times it is set aside as undeliverable. An entry the API refuses (4xx) or sets aside is moved to
 * outbox-rejected, and for a result the job's failure is reported instead, with the API's
 * answer, so the job ends failed with a reason rather than staying running.
 *
 * A full disk (or file-size limit) leaves no torn entry: putWhenRoom holds the entry in memory and
 * writes it once there is room, so the job stays running (its queue lock kept) rather than being
 * acknowledged with its result nowhere.
 */
import { Logger } from '@nestjs/common';
import { mkdirSync, openSync, fsyncSync, writeFileSync, closeSync, renameSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isStorageFull, type JobFailure, type ResultSubmission } from '@farm/contracts';
import { ApiError, type ApiClient } from '../api/api-client.js';

export type OutboxEntry = { kind: 'result'; body: ResultSubmission } | { kind: 'failure'; body: JobFailure };

export interface OutboxOptions {
  maxBackoffMs?: number;
  /** 5xx answers to one entry, with later entries delivered meanwhile, before it is set aside. */
  poisonAfter?: number;
}

/** An answer that speaks for the API as a whole (down, overloaded), not for the entry sent. */
function apiWide(e: ApiError): boolean {
  return e.status === null || e.status === 503 || e.status === 429;
}

export class ResultOutbox {
  private readonly logger = new Logger(ResultOutbox.name);
  private readonly dir: string;
  private readonly deadDir: string;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private backoffMs = 0;
  private stopped = false;
  private readonly maxBackoffMs: number;
  private readonly poisonAfter: number;
  /** Per entry refused with a 5xx: failures, its own retry time, and later deliveries since its first failure. */
  private readonly troubled = new Map<string, { failures: number; notBefore: number; passedBy: number }>();

  constructor(
    dataDir: string,
    private readonly api: ApiClient,
    opts: OutboxOptions = {},
  ) {
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.poisonAfter = opts.poisonAfter ?? 5;
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
    // A runner's error text may hold a NUL, which the API refuses; the failure must still arrive.
    if (e.kind === 'failure') e = { ...e, body: { ...e.body, message: e.body.message.replace(/\0/g, '\uFFFD') } };
    const final = join(this.dir, this.fileName(e));
    const tmp = `${final}.tmp`;
    try {
      const fd = openSync(tmp, 'w');
      try {
        // writeFileSync loops over short writes: a lone writeSync on a nearly full disk (or at a
        // file-size limit) writes part of the entry and returns, and the torn entry was renamed in.
        writeFileSync(fd, JSON.stringify(e));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
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

  /**
   * put, held while the disk has no room for the entry: retried every retryMs until it is written
   * (or the outbox stops). Any other write error is thrown at once.
   */
  async putWhenRoom(e: OutboxEntry, retryMs = 1000): Promise<void> {
    for (let held = false; ;) {
      try {
        this.put(e);
        if (held) this.logger.log(`outbox has room again: the ${e.kind} of job ${e.body.jobId} is written and will be delivered`);
        return;
      } catch (err) {
        if (!isStorageFull(err) || this.stopped) throw err;
        if (!held) {
          this.logger.error(
            `outbox full (${(err as NodeJS.ErrnoException).code}): holding the ${e.kind} of job ${e.body.jobId} (attempt ${e.body.attempt}) until it can be written to ${this.dir}; free space there`,
          );
          held = true;
        }
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
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
    let wakeAt = Infinity;
    for (const f of readdirSync(this.dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const path = join(this.dir, f);
      if (!existsSync(path)) continue;
      const trouble = this.troubled.get(f);
      if (trouble && trouble.notBefore > Date.now()) {
        wakeAt = Math.min(wakeAt, trouble.notBefore);
        continue;
      }
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
        this.troubled.delete(f);
        this.backoffMs = 0;
        for (const t of this.troubled.values()) t.passedBy++;
      } catch (e) {
        if (e instanceof ApiError && !e.retryable) {
          this.setAside(f, entry, `the API refused it: ${e.message}`, 'RESULT_REJECTED');
          continue;
        }
        if (e instanceof ApiError && !apiWide(e)) {
          // This entry's own trouble (the API failed on its content): it waits alone; later entries go.
          const t = this.troubled.get(f) ?? { failures: 0, notBefore: 0, passedBy: 0 };
          t.failures++;
          // Alone in the outbox it gets longer: nothing waits behind it, and the API may recover.
          if ((t.failures >= this.poisonAfter && t.passedBy > 0) || t.failures >= 4 * this.poisonAfter) {
            this.troubled.delete(f);
            this.setAside(
              f,
              entry,
              `the API failed on it ${t.failures} times while later entries were delivered; last answer: ${e.message}`,
              'RESULT_UNDELIVERABLE',
            );
            continue;
          }
          t.notBefore = Date.now() + Math.min(this.maxBackoffMs, 500 * 2 ** (t.failures - 1));
          this.troubled.set(f, t);
          wakeAt = Math.min(wakeAt, t.notBefore);
          this.logger.warn(`delivery of ${entry.kind} for job ${entry.body.jobId} failed (${(e as Error).message}); delivering the others meanwhile`);
          continue;
        }
        this.backoffMs = Math.min(this.maxBackoffMs, this.backoffMs ? this.backoffMs * 2 : 500);
        this.logger.warn(`delivery of ${entry.kind} for job ${entry.body.jobId} failed (${(e as Error).message}); retrying in ${this.backoffMs} ms`);
        this.schedule(this.backoffMs);
        return;
      }
    }
    if (wakeAt !== Infinity) this.schedule(Math.max(0, wakeAt - Date.now()));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), delayMs);
    this.timer.unref();
  }

  /**
   * Moves an entry to outbox-rejected for inspection; for a result, reports the job failed with
   * the reason, so it does not stay running. A failure report the API refuses goes aside alone.
   */
  private setAside(f: string, entry: OutboxEntry, reason: string, code: string): void {
    this.logger.error(`outbox entry ${f} set aside (${reason}); kept in ${this.deadDir}`);
    renameSync(join(this.dir, f), join(this.deadDir, f));
    if (entry.kind !== 'result') return;
    this.put({
      kind: 'failure',
      body: {
        jobId: entry.body.jobId,
        attempt: entry.body.attempt,
        permanent: true,
        final: true,
        code,
        message: `the result of attempt ${entry.body.attempt} could not be stored: ${reason}`.slice(0, 8000),
      },
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.draining;
  }
}
