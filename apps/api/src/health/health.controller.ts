import { Controller, Get, HttpException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorators.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { BenchmarkQueueProducer } from '../queue/benchmark-queue.producer.js';

async function check(fn: () => Promise<unknown>, timeoutMs = 3000): Promise<{ ok: boolean; error?: string; ms: number }> {
  const t0 = performance.now();
  try {
    await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))]);
    return { ok: true, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { ok: false, error: (e as Error).message, ms: Math.round(performance.now() - t0) };
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly producer: BenchmarkQueueProducer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Checks the database and the queue; 503 when either is down' })
  async health() {
    const [database, queue] = await Promise.all([check(() => this.prisma.$queryRaw`SELECT 1`), check(() => this.producer.ping())]);
    const body = { status: database.ok && queue.ok ? 'ok' : 'degraded', database, queue: { backend: this.producer.backend, ...queue } };
    if (body.status !== 'ok') throw new HttpException({ error: { code: 'SERVICE_UNAVAILABLE', message: 'database or queue unavailable', details: body } }, 503);
    return body;
  }
}
