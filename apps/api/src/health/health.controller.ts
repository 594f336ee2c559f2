import { Controller, Get, type OnModuleDestroy } from '@nestjs/common';
import { DomainError } from '@farm/contracts';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Public } from '../auth/access.decorators.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { BenchmarkQueueProducer } from '../queue/benchmark-queue.producer.js';
import { RouteContract } from '../contract/route-contract.js';
import { HealthContract } from './health.contract.js';

async function check(fn: () => Promise<unknown>, timeoutMs = 3000): Promise<{ ok: boolean; error?: string; ms: number }> {
  const t0 = performance.now();
  try {
    await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))]);
    return { ok: true, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { ok: false, error: (e as Error).message, ms: Math.round(performance.now() - t0) };
  }
}

/** Event-loop delay over the last one to two windows: how long a request could have waited for the loop, seen from inside. */
const LOOP_WINDOW_MS = 5_000;

@Public()
@Controller('health')
export class HealthController implements OnModuleDestroy {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private previousWindow = { maxMs: 0, p99Ms: 0 };
  private readonly rotate: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaService,
    private readonly producer: BenchmarkQueueProducer,
  ) {
    this.loop.enable();
    this.rotate = setInterval(() => {
      this.previousWindow = this.window();
      this.loop.reset();
    }, LOOP_WINDOW_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.rotate);
    this.loop.disable();
  }

  private window(): { maxMs: number; p99Ms: number } {
    // The histogram is in ns; an empty one reports a huge min and 0 max.
    return { maxMs: +(this.loop.max / 1e6).toFixed(1), p99Ms: +(this.loop.percentile(99) / 1e6).toFixed(1) };
  }

  @Get()
  @RouteContract(HealthContract.health)
  async health() {
    const [database, queue] = await Promise.all([check(() => this.prisma.$queryRaw`SELECT 1`), check(() => this.producer.ping())]);
    const current = this.window();
    const eventLoop = {
      windowMs: 2 * LOOP_WINDOW_MS,
      maxDelayMs: Math.max(current.maxMs, this.previousWindow.maxMs),
      p99DelayMs: Math.max(current.p99Ms, this.previousWindow.p99Ms),
    };
    const body = { status: database.ok && queue.ok ? 'ok' : 'degraded', database, queue: { backend: this.producer.backend, ...queue }, eventLoop };
    if (body.status !== 'ok') throw new DomainError('SERVICE_UNAVAILABLE', 'database or queue unavailable', body);
    return body;
  }
}
