/**
 * What agents do through the API: register their devices, heartbeat, fetch artifacts, and
 * report the life of each job (started, progress, failure, result). Every job call checks that
 * the job's device belongs to an agent holding the caller's token.
 */
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  DomainError,
  deviceQueueName,
  type AgentRegister,
  type AgentRegistered,
  type Heartbeat,
  type JobFailure,
  type JobProgress,
  type JobStarted,
  type ResultSubmission,
} from '@farm/contracts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AgentsRepository } from './agents.repository.js';
import { hashAgentToken } from './agent-token.js';
import { BenchmarksRepository, type JobRow } from '../benchmarks/benchmarks.repository.js';
import { JobLifecycleService } from '../jobs/job-lifecycle.service.js';
import { ArtifactStore } from '../models/artifact-store.service.js';
import type { Prisma } from '../generated/prisma/client.js';

@Injectable()
export class AgentsService implements OnModuleInit {
  private readonly logger = new Logger(AgentsService.name);

  constructor(
    private readonly repo: AgentsRepository,
    private readonly jobs: BenchmarksRepository,
    private readonly lifecycle: JobLifecycleService,
    private readonly store: ArtifactStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The bootstrap token lets a farm start with one agent and no admin step; only its hash is kept. */
  async onModuleInit(): Promise<void> {
    if (this.config.agentBootstrapToken) await this.repo.ensureToken('bootstrap', hashAgentToken(this.config.agentBootstrapToken));
  }

  async register(tokenId: string, reg: AgentRegister): Promise<AgentRegistered> {
    const { agent, devices } = await this.repo.register(tokenId, reg, new Date());
    const unreachable = reg.unreachable.length
      ? `, ${reg.unreachable.length} unreachable (${reg.unreachable.map((u) => `${u.serial}: ${u.connection}`).join(', ')})`
      : '';
    this.logger.log(`agent ${agent.name} (${agent.id}) registered ${devices.length} device(s)${unreachable}`);
    return {
      agentId: agent.id,
      devices: devices.map((d) => ({ id: d.id, serial: d.serial, queue: deviceQueueName(d.id) })),
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
    };
  }

  async heartbeat(tokenId: string, hb: Heartbeat): Promise<{ ok: true }> {
    const agent = await this.repo.findAgent(hb.agentId);
    if (!agent || agent.tokenId !== tokenId) throw new DomainError('AGENT_NOT_FOUND', `no agent ${hb.agentId} for this token; register first`);
    await this.repo.heartbeat(agent.id, hb, new Date());
    return { ok: true };
  }

  async artifactPath(sha256: string): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(sha256) || !(await this.store.has(sha256))) {
      throw new DomainError(
        'ARTIFACT_NOT_FOUND',
        `no stored file for artifact sha256 ${sha256} in the API's artifact store; if its model is still listed, upload the same file again to restore it`,
      );
    }
    return this.store.pathFor(sha256);
  }

  private async ownedJob(tokenId: string, jobId: string): Promise<JobRow> {
    const job = await this.jobs.findJob(jobId);
    if (!job || job.device.agent.tokenId !== tokenId) throw new DomainError('JOB_NOT_FOUND', `no job ${jobId} for this agent`);
    return job;
  }

  /** 409 when the job was cancelled or already has a result: the agent then skips it. */
  async started(tokenId: string, s: JobStarted) {
    await this.lifecycle.started(await this.ownedJob(tokenId, s.jobId), new Date(s.startedAt));
    return { ok: true };
  }

  async progress(tokenId: string, jobId: string, p: JobProgress) {
    await this.ownedJob(tokenId, jobId);
    await this.jobs.setProgress(jobId, p as unknown as Prisma.InputJsonValue);
    return { ok: true };
  }

  async failed(tokenId: string, f: JobFailure) {
    await this.lifecycle.failed(await this.ownedJob(tokenId, f.jobId), f);
    return { ok: true };
  }

  async result(tokenId: string, sub: ResultSubmission) {
    return this.lifecycle.ingest(sub, await this.ownedJob(tokenId, sub.jobId));
  }
}
