/**
 * Inspects uploads outside the API process. Parsing untrusted bytes is CPU-bound and, however
 * well bounded, its cost has constant factors no limit foresees; in a child with a heap cap and a
 * deadline, the worst a hostile upload can do is use up that child. The API's event loop only
 * pipes bytes and reads the answer, and the children are few at a time, so the API's memory does
 * not grow with the attack.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DomainError } from '@farm/contracts';
import type { ModelInfo } from '@farm/model-inspect';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { InspectorReply } from './model-inspector.child.js';

const CHILD = fileURLToPath(new URL('./model-inspector.child.js', import.meta.url));
/** Enough of the child's stderr to recognise V8's out-of-memory report, and no more. */
const STDERR_KEEP = 4096;
const CHILD_NICE = 10;

@Injectable()
export class ModelInspector {
  private readonly logger = new Logger(ModelInspector.name);
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * The model's info, or a DomainError: the parser's own (4xx), or MODEL_LIMIT_EXCEEDED when the
   * child ran out of heap or time. weightsSize: an NCNN .param's .bin size, checked against its layers.
   */
  async inspect(bytes: Uint8Array, weightsSize?: number): Promise<ModelInfo> {
    // A few children at a time: each may use its whole heap cap, and queued uploads cost only their bytes.
    if (this.running >= this.config.inspect.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await this.inspectInChild(bytes, weightsSize);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private inspectInChild(bytes: Uint8Array, weightsSize: number | undefined): Promise<ModelInfo> {
    const { heapMb, timeoutMs, limits } = this.config.inspect;
    return new Promise<ModelInfo>((resolve, reject) => {
      const child = fork(CHILD, [JSON.stringify({ limits, weightsSize })], {
        // Only the caps: the API's own flags (inspector ports, loaders) must not reach the child.
        execArgv: [`--max-old-space-size=${heapMb}`, '--max-semi-space-size=16'],
        env: { NODE_ENV: process.env.NODE_ENV ?? 'production' },
        stdio: ['pipe', 'ignore', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
      try {
        // Below the API in the scheduler: on a busy machine the children's parsing waits, not the API's requests.
        if (child.pid !== undefined) setPriority(child.pid, CHILD_NICE);
      } catch {
        /* not permitted here (some containers): the caps still hold */
      }
      let stderr = '';
      let reply: Exclude<InspectorReply, { ready: true }> | undefined;
      let ready = false;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-STDERR_KEEP)));
      child.on('message', (m: InspectorReply) => {
        if ('ready' in m) ready = true;
        else reply = m;
      });
      // The child may die before it has read everything; its exit says why, not the broken pipe.
      child.stdin!.on('error', () => undefined);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`could not start the model inspector (${e.message})`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (reply?.ok) return resolve(reply.info);
        if (!ready && !timedOut) return reject(new Error(`the model inspector did not start (code ${code}, signal ${signal}): ${stderr.slice(-1000)}`));
        if (reply && reply.code !== null) return reject(new DomainError(reply.code, reply.message, reply.details));
        if (timedOut) {
          return reject(
            new DomainError(
              'MODEL_LIMIT_EXCEEDED',
              `Inspecting the model took longer than ${timeoutMs} ms (MODEL_INSPECT_TIMEOUT_MS), so it was stopped; the file costs more to read than its size warrants.`,
              { limit: 'MODEL_INSPECT_TIMEOUT_MS', max: timeoutMs },
            ),
          );
        }
        if (/heap out of memory|Reached heap limit|Allocation failed/i.test(stderr)) {
          return reject(
            new DomainError(
              'MODEL_LIMIT_EXCEEDED',
              `Inspecting the model needed more than ${heapMb} MB of heap (MODEL_INSPECT_HEAP_MB), so it was stopped; the file costs more to read than its size warrants.`,
              { limit: 'MODEL_INSPECT_HEAP_MB', max: heapMb },
            ),
          );
        }
        if (reply) {
          // The parser threw something that is not a domain error: a bug, but the bytes are still the trigger.
          this.logger.warn(`model inspector failed: ${reply.message}`);
          return reject(new DomainError('MODEL_INVALID', `The model file could not be read (${reply.message}).`));
        }
        this.logger.warn(`model inspector exited (code ${code}, signal ${signal}): ${stderr.slice(-500)}`);
        reject(
          new DomainError('MODEL_INVALID', `The model inspector stopped (${signal ?? `exit code ${code}`}) while reading this file; it cannot be accepted.`, {
            limit: 'inspector crash',
          }),
        );
      });
      child.stdin!.end(bytes);
    });
  }
}
