/**
 * What agents do through the API: enroll, register their devices, heartbeat, fetch artifacts, and
 * report the life of each job (started, progress, failure, result); and what admins do to agents
 * (list, rotate or revoke credentials). Every job call checks that the job's device belongs to the
 * calling agent: its credential names it, not the name it registers under.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DomainError,
  deviceQueueName,
  type AgentCredential,
  type AgentEnroll,
  type AgentRegister,
  type AgentRegistered,
  type Heartbeat,
  type JobFailure,
  type JobProgress,
  type JobStarted,
  type ResultSubmission,
} from '@farm/contracts';
import type { AgentView, Page, PageQuery } from '@farm/contracts';
import { toPage } from '../common/page.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { AgentsRepository } from './agents.repository.js';
import { newSecret, sha256Hex } from '../auth/secrets.js';
import { BenchmarksRepository, type JobRow } from '../benchmarks/benchmarks.repository.js';
import { JobLifecycleService } from '../jobs/job-lifecycle.service.js';
import { ArtifactStore } from '../models/artifact-store.service.js';
import type { Prisma } from '../generated/prisma/client.js';

@Injectable()
export class AgentsService {
  private readonly logger = new Logger(AgentsService.name);

  constructor(
    private readonly repo: AgentsRepository,
    private readonly jobs: BenchmarksRepository,
    private readonly lifecycle: JobLifecycleService,
    private readonly store: ArtifactStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The bootstrap token buys an agent of its own and nothing else; the credential is shown once. */
  async enroll(e: AgentEnroll): Promise<AgentCredential> {
    const credential = newSecret('fa_');
    const agent = await this.repo.enroll(e, sha256Hex(credential), new Date());
    this.logger.log(`agent ${agent.name} (${agent.id}) enrolled from ${e.hostname}`);
    return { agentId: agent.id, credential };
  }

  /** A new credential for the agent; the old one stops working at once. */
  async rotate(agentId: string): Promise<AgentCredential> {
    const credential = newSecret('fa_');
    if (!(await this.repo.rotateCredential(agentId, sha256Hex(credential), new Date())))
      throw new DomainError('AGENT_NOT_FOUND', `no agent ${agentId}; list agents with GET /agents`);
    this.logger.log(`agent ${agentId}: credential rotated`);
    return { agentId, credential };
  }

  async revoke(agentId: string): Promise<{ agentId: string; revoked: true }> {
    if (!(await this.repo.revokeCredentials(agentId, new Date())))
      throw new DomainError('AGENT_NOT_FOUND', `no agent ${agentId}; list agents with GET /agents`);
    this.logger.log(`agent ${agentId}: credentials revoked, devices offline`);
    return { agentId, revoked: true };
  }

  async list(page: PageQuery): Promise<Page<AgentView>> {
    return toPage(await this.repo.listAgents(page), page, (a) => ({
      id: a.id,
      name: a.name,
      hostname: a.hostname,
      version: a.version,
      createdAt: a.createdAt.toISOString(),
      lastHeartbeatAt: a.lastHeartbeatAt.toISOString(),
      credentialActive: a.credentials.some((c) => c.revokedAt === null),
      devices: a.devices.map((d) => ({ id: d.id, serial: d.serial, status: d.status, queue: deviceQueueName(d.id) })),
    }));
  }

  async register(agentId: string, reg: AgentRegister): Promise<AgentRegistered> {
    const { agent, devices } = await this.repo.register(agentId, reg, new Date());
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

  async heartbeat(agentId: string, hb: Heartbeat): Promise<{ ok: true }> {
    const agent = hb.agentId === agentId ? await this.repo.findAgent(hb.agentId) : null;
    if (!agent) throw new DomainError('AGENT_NOT_FOUND', `no agent ${hb.agentId} for this credential; register first`);
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

  /** Another agent's job answers as a missing one: an agent learns nothing about jobs it does not run. */
  private async ownedJob(agentId: string, jobId: string): Promise<JobRow> {
    const job = await this.jobs.findJob(jobId);
    if (!job || job.device.agentId !== agentId) throw new DomainError('JOB_NOT_FOUND', `no job ${jobId} on a device of this agent`);
    return job;
  }

  /** 409 when the job was cancelled or already has a result: the agent then skips it. */
  async started(agentId: string, s: JobStarted) {
    await this.lifecycle.started(await this.ownedJob(agentId, s.jobId), new Date(s.startedAt));
    return { ok: true };
  }

  async progress(agentId: string, jobId: string, p: JobProgress) {
    await this.ownedJob(agentId, jobId);
    await this.jobs.setProgress(jobId, p as unknown as Prisma.InputJsonValue);
    return { ok: true };
  }

  async failed(agentId: string, f: JobFailure) {
    await this.lifecycle.failed(await this.ownedJob(agentId, f.jobId), f);
    return { ok: true };
  }

  async result(agentId: string, sub: ResultSubmission) {
    const job = await this.ownedJob(agentId, sub.jobId);
    if (sub.deviceId !== undefined && sub.deviceId !== job.deviceId) {
      throw new DomainError('RESULT_MISMATCH', `job ${job.id} runs on device ${job.deviceId}, not ${sub.deviceId}`);
    }
    if (sub.output.framework !== job.framework) {
      throw new DomainError('RESULT_MISMATCH', `job ${job.id} is a ${job.framework} job; the result is from ${sub.output.framework}`);
    }
    return this.lifecycle.ingest(sub, job);
  }
}
