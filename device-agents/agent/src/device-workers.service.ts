/**
 * Registers this agent's devices with the API and consumes exactly their queues: one worker per
 * device queue, concurrency 1, so a device never runs two benchmarks at once and an agent never
 * takes another host's jobs. Heartbeats keep the devices online in the API and carry each phone's
 * live state (cooling, temperature, battery).
 *
 * The desktop is a device from the start. Phones come and go: the adb transport's tracker reports
 * each one plugged in, unplugged, or waiting for authorization, and the agent registers again with
 * its whole current list (the API's registration is idempotent). A phone that appears is cleaned of
 * what an earlier agent left on it, described, probed, and gets a worker; one that goes has its
 * running job aborted (the queue retries it when the phone is back) and its worker closed, while
 * its queued jobs wait.
 */
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { createQueueFactory, type QueueFactory, type WorkerLike } from '@farm/queue';
import type { AgentRegistered, DeviceLiveState, UnreachableDevice } from '@farm/contracts';
import { AGENT_CONFIG, AGENT_VERSION, type AgentConfig } from './agent-config.js';
import { ApiClient, ApiError } from './api/api-client.js';
import { ResultOutbox } from './outbox/result-outbox.js';
import { BenchmarkJobService, runnerPidFile } from './jobs/benchmark-job.service.js';
import { benchmarkProcessor } from './jobs/benchmark.processor.js';
import { killStaleProcessGroup, LocalTransport } from './transports/local.transport.js';
import { AdbTransport, adbBinaryAvailable, ensureAdbServer } from './transports/adb.transport.js';
import { AppiumTransport } from './transports/appium.transport.js';
import { startAppiumServer, type AppiumServerHandle } from './transports/appium-server.js';
import type { DeviceEvent, DeviceTracking, Transport } from './transports/transport.js';
import { appiumRunners, probeFrameworks, desktopRunners, phoneRunners } from './runners/registry.js';
import { DeviceGoneError, deviceReport, newSession, type DeviceSession } from './devices/device-session.js';
import type { Runner } from './runners/runner.js';

@Injectable()
export class DeviceWorkersService implements OnApplicationShutdown {
  private readonly logger = new Logger(DeviceWorkersService.name);
  /** Usable devices by serial. */
  private readonly sessions = new Map<string, DeviceSession>();
  /** Devices seen but not usable (unauthorized, offline), by serial. */
  private readonly unreachable = new Map<string, UnreachableDevice>();
  /** One worker per registered device id. */
  private readonly workers = new Map<string, { worker: WorkerLike; session: DeviceSession }>();
  private readonly busy = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private tracking: DeviceTracking | undefined;
  private appiumTracking: DeviceTracking | undefined;
  private appiumServer: AppiumServerHandle | undefined;
  private factory: QueueFactory | undefined;
  /** Device events and registrations run one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** A beat in progress: a slow device snapshot (an Appium session) must not pile beats up behind it. */
  private beating = false;
  registration: AgentRegistered | undefined;
  /** The adb transport, when phones are enabled (tests read its devices through it). */
  adb: AdbTransport | undefined;
  /** The Appium transport, when iPhones are enabled (IOS=on). */
  appium: AppiumTransport | undefined;

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
    this.factory = createQueueFactory(this.config.queue);
    for (const { serial, connection } of await this.transport.devices()) {
      if (connection !== 'online') continue;
      const session = await this.session(this.transport, serial, desktopRunners(this.config.runnerSettings));
      this.sessions.set(serial, session);
    }
    const reg = await this.register(true);

    this.adb = await this.startAdb();
    if (this.adb) {
      const adb = this.adb;
      this.tracking = await adb.track((event) => {
        this.chain = this.chain.then(() => this.onDeviceEvent(adb, event)).catch((e) => this.logger.error(`device event: ${(e as Error).message}`));
      });
    }
    this.appium = await this.startAppium();
    if (this.appium) {
      const appium = this.appium;
      this.appiumTracking = await appium.track((event) => {
        this.chain = this.chain.then(() => this.onDeviceEvent(appium, event)).catch((e) => this.logger.error(`device event: ${(e as Error).message}`));
      });
    }
    this.heartbeat = setInterval(() => void this.beat(), reg.heartbeatIntervalMs);
    return reg;
  }

  /** Resolves once every device event so far has been handled and registered (tests wait on it). */
  settled(): Promise<void> {
    return this.chain;
  }

  private async startAdb(): Promise<AdbTransport | undefined> {
    const { android, adbServer } = this.config;
    if (android === 'off') return undefined;
    try {
      await ensureAdbServer(adbServer);
    } catch (e) {
      const why = `no adb server at ${adbServer.host}:${adbServer.port} and none could be started (${(e as Error).message})`;
      if (android === 'on') throw new Error(`ANDROID=on but ${why}`);
      if (adbBinaryAvailable()) this.logger.warn(`Android phones disabled: ${why}`);
      else this.logger.log('Android phones disabled: no adb on PATH (apt-get install adb, or set ANDROID=off to silence this)');
      return undefined;
    }
    this.logger.log(`tracking Android devices through the adb server at ${adbServer.host}:${adbServer.port}`);
    return new AdbTransport(adbServer);
  }

  /** iPhones: an Appium server the agent starts (APPIUM_HOME) or attaches to (APPIUM_URL), and the host app's runners. */
  private async startAppium(): Promise<AppiumTransport | undefined> {
    const ios = this.config.ios;
    if (!ios) return undefined;
    if (ios.server.mode === 'start') this.appiumServer = await startAppiumServer({ home: ios.server.home, port: ios.server.port });
    this.logger.log(`tracking iOS devices through the Appium server at ${ios.server.url} (${ios.automationName})`);
    return new AppiumTransport({
      url: ios.server.url,
      automationName: ios.automationName,
      udids: ios.udids,
      hostApp: ios.hostApp,
      pollMs: ios.pollMs,
      capabilities: ios.capabilities,
    });
  }

  private runnersFor(transport: Transport): Runner[] {
    return transport.kind === 'appium' && this.config.ios ? appiumRunners(this.config.ios.hostApp.path) : phoneRunners(this.config.runnerSettings);
  }

  private async onDeviceEvent(transport: Transport, event: DeviceEvent): Promise<void> {
    if (this.stopped) return;
    const serial = event.type === 'removed' ? event.serial : event.device.serial;
    const connection = event.type === 'removed' ? null : event.device.connection;
    const had = this.sessions.get(serial);
    if (connection === 'online') {
      if (had) return;
      this.unreachable.delete(serial);
      try {
        // What an earlier agent left on the phone (a runner still going, its workspaces) goes first.
        const ended = (await transport.reclaim?.(serial)) ?? 0;
        if (ended) this.logger.warn(`${serial}: ended ${ended} runner process(es) a previous agent left running`);
        const session = await this.session(transport, serial, this.runnersFor(transport));
        session.lost = () => this.lose(transport, session);
        this.sessions.set(serial, session);
      } catch (e) {
        // Gone again, or not answering: the tracker reports it again when it changes.
        this.logger.warn(`${serial}: cannot describe the device: ${(e as Error).message}`);
        return;
      }
    } else {
      if (had) this.retire(had);
      if (connection === null) this.unreachable.delete(serial);
      else this.unreachable.set(serial, { serial, transport: transport.kind, connection });
      this.logger.log(`${serial}: ${connection ?? 'unplugged'}`);
    }
    await this.register(false);
  }

  /**
   * A job found its phone unreachable before the adb server said so: the phone is retired now and
   * shown offline, and the adb server's list is read until it lists the phone as online again (the
   * tracker may never report a change it did not see).
   */
  private lose(transport: Transport, session: DeviceSession): void {
    if (this.sessions.get(session.serial) !== session) return;
    this.logger.warn(`${session.serial}: unreachable during a job; its queue waits until it is back`);
    this.retire(session);
    this.unreachable.set(session.serial, { serial: session.serial, transport: transport.kind, connection: 'offline' });
    this.chain = this.chain.then(() => this.register(false).then(() => undefined)).catch((e) => this.logger.error(`registration: ${(e as Error).message}`));
    const recheck = setInterval(() => {
      if (this.stopped || this.sessions.has(session.serial)) return clearInterval(recheck);
      transport.devices().then(
        (list) => {
          const d = list.find((x) => x.serial === session.serial);
          if (d?.connection !== 'online' || this.sessions.has(session.serial)) return;
          clearInterval(recheck);
          this.chain = this.chain
            .then(() => this.onDeviceEvent(transport, { type: 'changed', device: d }))
            .catch((e) => this.logger.error(`device event: ${(e as Error).message}`));
        },
        () => undefined,
      );
    }, 2_000);
    recheck.unref();
  }

  /** A device that went away: its running job is aborted and its worker closed; queued jobs wait for it. */
  private retire(session: DeviceSession): void {
    this.sessions.delete(session.serial);
    session.gone.abort(new DeviceGoneError(session.description.name));
    for (const [id, w] of this.workers) {
      if (w.session !== session) continue;
      this.workers.delete(id);
      w.worker.close().catch((e: Error) => this.logger.warn(`closing the worker of ${session.serial}: ${e.message}`));
    }
  }

  /** The device as the API sees it: the transport's description plus what the runners could start there. */
  private async session(transport: Transport, serial: string, runners: Runner[]): Promise<DeviceSession> {
    const description = await transport.describe(serial);
    const workspace = await transport.prepare(serial, 'probe');
    let frameworks;
    try {
      frameworks = await probeFrameworks(runners, { transport, workspace });
    } finally {
      await transport.cleanup(workspace).catch(() => undefined);
    }
    const usable = runners.filter((r) => frameworks.some((f) => f.framework === r.framework));
    const label = description.emulated ? ' [emulated]' : '';
    this.logger.log(`device ${description.name}${label}: ${frameworks.map((f) => `${f.framework} ${f.version}`).join(', ') || 'no frameworks usable'}`);
    return newSession(transport, description, usable, frameworks);
  }

  /** Registers the current device list and makes the workers match it. */
  private async register(retryForever: boolean): Promise<AgentRegistered> {
    const body = {
      name: this.config.name,
      hostname: hostname(),
      version: AGENT_VERSION,
      devices: [...this.sessions.values()].map(deviceReport),
      unreachable: [...this.unreachable.values()],
    };
    const reg = await this.registerWithRetry(body, retryForever);
    this.registration = reg;
    for (const d of reg.devices) {
      const session = this.sessions.get(d.serial);
      if (!session) continue;
      session.deviceId = d.id;
      if (!this.workers.has(d.id)) this.workers.set(d.id, { worker: this.startWorker(d.queue, d.id, session), session });
    }
    this.logger.log(
      `agent ${this.config.name} (${reg.agentId}) consuming ${reg.devices.map((d) => d.queue).join(', ') || 'no queues'} via ${this.config.queue.kind}`,
    );
    return reg;
  }

  private startWorker(queue: string, deviceId: string, session: DeviceSession): WorkerLike {
    const processor = benchmarkProcessor(this.jobs, session);
    const worker = this.factory!.createWorker(
      queue,
      async (job, token, signal) => {
        this.busy.add(deviceId);
        try {
          return await processor(job, token, signal);
        } finally {
          this.busy.delete(deviceId);
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
    worker.on('error', (err: Error) => this.logger.error(`worker ${queue}: ${err.message}`));
    return worker;
  }

  /** Heartbeat with each device's live state; idle phones are read now so their temperature and battery stay current. */
  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      await this.beatOnce();
    } finally {
      this.beating = false;
    }
  }

  private async beatOnce(): Promise<void> {
    const reg = this.registration;
    if (!reg || this.stopped) return;
    const devices: DeviceLiveState[] = [];
    for (const s of this.sessions.values()) {
      if (!s.deviceId || s.transport.kind === 'local') continue;
      if (!this.busy.has(s.deviceId) && !s.cooling) {
        s.lastSnapshot = (await s.transport.snapshot(s.serial).catch(() => undefined)) ?? s.lastSnapshot;
      }
      devices.push({ deviceId: s.deviceId, cooling: s.cooling, ...(s.lastSnapshot ? { snapshot: s.lastSnapshot } : {}) });
    }
    await this.api
      .heartbeat({ agentId: reg.agentId, busyDeviceIds: [...this.busy], devices })
      .catch((e: Error) => this.logger.warn(`heartbeat failed: ${e.message}`));
  }

  private async registerWithRetry(reg: Parameters<ApiClient['register']>[0], retryForever: boolean): Promise<AgentRegistered> {
    for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
      try {
        return await this.api.register(reg);
      } catch (e) {
        if (e instanceof ApiError && !e.retryable) throw e;
        if (!retryForever && this.stopped) throw e;
        this.logger.warn(`registration failed (${(e as Error).message}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.tracking?.close();
    await this.appiumTracking?.close();
    await Promise.allSettled([...this.workers.values()].map((w) => w.worker.close()));
    await this.outbox.stop();
    await this.appiumServer?.stop();
  }
}
