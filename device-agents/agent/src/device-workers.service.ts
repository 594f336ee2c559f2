/**
 * Registers this agent's devices with the API, then consumes exactly their queues: one worker per
 * device queue, concurrency 1, so a device never runs two benchmarks at once and an agent never
 * takes another host's jobs. Heartbeats keep the devices online in the API.
 */
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { createQueueFactory, type WorkerLike } from '@farm/queue';
import type { AgentRegistered, DeviceReport } from '@farm/contracts';
import { AGENT_CONFIG, AGENT_VERSION, type AgentConfig } from './agent-config.js';
import { ApiClient, ApiError } from './api/api-client.js';
import { ResultOutbox } from './outbox/result-outbox.js';
import { BenchmarkJobService, runnerPidFile } from './jobs/benchmark-job.service.js';
import { benchmarkProcessor } from './jobs/benchmark.processor.js';
import { killStaleProcessGroup, LocalTransport } from './transports/local.transport.js';
import { probeFrameworks, desktopRunners } from './runners/registry.js';

@Injectable()
export class DeviceWorkersService implements OnApplicationShutdown {
  private readonly logger = new Logger(DeviceWorkersService.name);
  private workers: WorkerLike[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly busy = new Set<string>();
  registration: AgentRegistered | undefined;

  constructor(
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    private readonly api: ApiClient,
    private readonly outbox: ResultOutbox,
    private readonly jobs: BenchmarkJobService,
    private readonly transport: LocalTransport,
  ) {}

  async start(): Promise<AgentRegistered> {
    const stale = killStaleProcessGroup(runnerPidFile(this.config));
    if (stale) this.logger.warn(`ended runner process group ${stale} left by a previous agent run`);
    this.outbox.start();
    const devices: DeviceReport[] = [];
    for (const { serial, connection } of await this.transport.devices()) {
      if (connection !== 'online') continue;
      devices.push(await this.describe(serial));
    }
    const reg = await this.registerWithRetry({ name: this.config.name, hostname: hostname(), version: AGENT_VERSION, devices, unreachable: [] });
    this.registration = reg;

    const factory = createQueueFactory(this.config.queue);
    const processor = benchmarkProcessor(this.jobs);
    for (const d of reg.devices) {
      const worker = factory.createWorker(
        d.queue,
        async (job, token, signal) => {
          this.busy.add(d.id);
          try {
            return await processor(job, token, signal);
          } finally {
            this.busy.delete(d.id);
          }
        },
        {
          concurrency: 1,
          lockDuration: this.config.lockDurationMs,
          stalledInterval: Math.max(1000, Math.floor(this.config.lockDurationMs / 2)),
          maxStalledCount: 2,
        },
      );
      worker.on('failed', (job: { id?: string } | undefined, err: Error) => this.logger.warn(`job ${job?.id} failed: ${err.message}`));
      worker.on('completed', (job: { id?: string }, outcome: unknown) => this.logger.log(`job ${job.id} ${String(outcome)}`));
      worker.on('error', (err: Error) => this.logger.error(`worker ${d.queue}: ${err.message}`));
      this.workers.push(worker);
    }
    this.heartbeat = setInterval(() => {
      this.api.heartbeat({ agentId: reg.agentId, busyDeviceIds: [...this.busy], devices: [] }).catch((e) => this.logger.warn(`heartbeat failed: ${(e as Error).message}`));
    }, reg.heartbeatIntervalMs);
    this.logger.log(`agent ${this.config.name} (${reg.agentId}) consuming ${reg.devices.map((d) => d.queue).join(', ')} via ${this.config.queue.kind}`);
    return reg;
  }

  /** The device as the API sees it: the transport's description plus what the runners could start there. */
  private async describe(serial: string): Promise<DeviceReport> {
    const workspace = await this.transport.prepare(serial, 'probe');
    try {
      const frameworks = await probeFrameworks(desktopRunners(this.config.runnerSettings), { transport: this.transport, workspace });
      const device: DeviceReport = { ...(await this.transport.describe(serial)), frameworks };
      this.logger.log(`device ${device.name}: ${frameworks.map((f) => `${f.framework} ${f.version}`).join(', ') || 'no frameworks usable'}`);
      return device;
    } finally {
      await this.transport.cleanup(workspace);
    }
  }

  private async registerWithRetry(reg: Parameters<ApiClient['register']>[0]): Promise<AgentRegistered> {
    for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
      try {
        return await this.api.register(reg);
      } catch (e) {
        if (e instanceof ApiError && !e.retryable) throw e;
        this.logger.warn(`registration failed (${(e as Error).message}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await this.outbox.stop();
  }
}
