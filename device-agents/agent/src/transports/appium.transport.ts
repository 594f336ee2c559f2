/**
 * The Appium transport: iPhones (and, in tests, the project's test devices) behind an Appium 3
 * server, spoken to in W3C WebDriver through webdriverio. Only one program runs on such a device:
 * the benchmark host app (device-agents/ios-host/CONTRACT.md). So:
 * - push() of the configured host app installs it (once per sha256 of its content) and answers
 *   with `app:<bundle id>`; any other file goes into the app's Documents, cached by sha256, and
 *   is named by a container path ("/farm/cache/<sha256><ext>", "/" being Documents);
 * - exec(["app:<bundle id>", ...args]) launches the app with the args plus `--farm-exec DIR`,
 *   waits for the `exit` file the contract has it write last, and reads stdout, stderr and the
 *   status from files. An app that stops without that file crashed: the result says so;
 * - each job (prepare..cleanup) is one WebDriver session; describe() and snapshot() outside a job
 *   open a short one, since XCUITest allows one session per device at a time.
 * Every command is a `mobile:` execute method the XCUITest driver documents (installApp,
 * launchApp, terminateApp, queryAppState, pushFile, pullFile, deleteFolder, deviceInfo,
 * batteryInfo); the project's test driver implements the same ones.
 *
 * webdriverio rather than a hand-rolled HTTP client: it is the maintained JS W3C client Appium's
 * own docs use, handles session creation, capability negotiation and error mapping, and its
 * `execute('mobile: ...', args)` is exactly the call these commands need.
 *
 * Discovery: the UDIDs come from `idevice_id -l` (libimobiledevice: USB iPhones on Linux or
 * macOS) or from a configured list; a device is online only while the Appium server answers
 * /status, so Appium down means every device offline and their queues wait.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { remote } from 'webdriverio';
import type { DeviceSnapshot } from '@farm/contracts';
import { FileHashCache } from './file-hash-cache.js';
import type {
  DeviceConnection,
  DeviceDescription,
  DeviceEvent,
  DeviceListing,
  DeviceTracking,
  ExecOptions,
  ExecResult,
  PushResult,
  Transport,
  Workspace,
} from './transport.js';

type Browser = Awaited<ReturnType<typeof remote>>;

export interface AppiumTransportOptions {
  /** The Appium server, e.g. http://127.0.0.1:4723 */
  url: string;
  /** appium:automationName of the sessions: XCUITest for iPhones, FarmTest for the project's test driver. */
  automationName: string;
  /** Where the UDIDs come from: `idevice_id -l`, or this fixed list. */
  udids: 'idevice_id' | readonly string[];
  /** The host app on this machine (.ipa, .app, or the test stand-in's .app folder) and its bundle id. */
  hostApp: { path: string; bundleId: string };
  /** How often track() re-reads the UDIDs and Appium's /status; default 5 s. */
  pollMs?: number;
  /** How often exec() looks for the exit file; default 300 ms. */
  execPollMs?: number;
  /** Extra capabilities (e.g. xcodeOrgId, xcodeSigningId, updatedWDABundleId for real iPhones). */
  capabilities?: Record<string, unknown>;
}

const APP_PREFIX = 'app:';
const ROOT = 'farm';
/** UIApplication states as `mobile: queryAppState` returns them. */
const APP_NOT_RUNNING = 1;
const THERMAL = ['nominal', 'fair', 'serious', 'critical'] as const;

const execFileAsync = promisify(execFile);

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** sha256 over a host app: a file's bytes, or a folder's (.app) relative paths and contents in sorted order. */
function hostAppDigest(path: string): string {
  const h = createHash('sha256');
  if (statSync(path).isFile()) return h.update(readFileSync(path)).digest('hex');
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else h.update(`${r}\0`).update(readFileSync(join(dir, e.name)));
    }
  };
  walk(path, '');
  return h.digest('hex');
}

export class AppiumUnavailableError extends Error {
  constructor(url: string, cause: string) {
    super(`the Appium server at ${url} does not answer (${cause}); its devices are offline until it does`);
    this.name = 'AppiumUnavailableError';
  }
}

export class AppiumTransport implements Transport {
  readonly kind = 'appium' as const;
  private readonly hashes = new FileHashCache();
  /** sha256s already pushed, per device; lost on restart (then files are pushed once more). */
  private readonly pushed = new Map<string, Set<string>>();
  /** The job's session per device: snapshot() during a job must reuse it. */
  private readonly jobSessions = new Map<string, Browser>();
  private execCount = 0;
  private readonly server: URL;

  constructor(private readonly opts: AppiumTransportOptions) {
    this.server = new URL(opts.url);
  }

  private get bundleId(): string {
    return this.opts.hostApp.bundleId;
  }

  /** `@<bundle id>:documents/<path>`: the XCUITest notation for a file in an app's Documents. */
  private containerPath(path: string): string {
    const clean = posix.normalize(path.replace(/^\/+/, ''));
    if (clean.startsWith('..')) throw new Error(`${path} leaves the app container`);
    return `@${this.bundleId}:documents/${clean}`;
  }

  async serverUp(): Promise<boolean> {
    try {
      const r = await fetch(new URL('status', this.server.href.endsWith('/') ? this.server : `${this.server.href}/`), { signal: AbortSignal.timeout(3000) });
      return r.ok;
    } catch {
      return false;
    }
  }

  private async udids(): Promise<string[]> {
    if (this.opts.udids !== 'idevice_id') return [...this.opts.udids];
    const { stdout } = await execFileAsync('idevice_id', ['-l'], { timeout: 10_000 });
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[0-9A-Fa-f-]{20,}$/.test(l));
  }

  async devices(): Promise<DeviceListing[]> {
    const [udids, up] = await Promise.all([this.udids(), this.serverUp()]);
    const connection: DeviceConnection = up ? 'online' : 'offline';
    return udids.map((serial) => ({ serial, connection }));
  }

  async track(listener: (event: DeviceEvent) => void): Promise<DeviceTracking> {
    const known = new Map<string, DeviceConnection>();
    let closed = false;
    const poll = async () => {
      let now: DeviceListing[];
      try {
        now = await this.devices();
      } catch {
        // idevice_id failing is not a device change; the next poll tries again.
        return;
      }
      if (closed) return;
      for (const d of now) {
        const before = known.get(d.serial);
        if (before === d.connection) continue;
        known.set(d.serial, d.connection);
        listener({ type: before === undefined ? 'added' : 'changed', device: d });
      }
      for (const serial of [...known.keys()]) {
        if (now.some((d) => d.serial === serial)) continue;
        known.delete(serial);
        listener({ type: 'removed', serial });
      }
    };
    await poll();
    const timer = setInterval(() => void poll(), this.opts.pollMs ?? 5_000);
    timer.unref();
    return {
      close: async () => {
        closed = true;
        clearInterval(timer);
      },
    };
  }

  private async openSession(serial: string): Promise<Browser> {
    if (!(await this.serverUp())) throw new AppiumUnavailableError(this.opts.url, 'no answer to /status');
    return remote({
      protocol: this.server.protocol.replace(':', ''),
      hostname: this.server.hostname,
      port: Number(this.server.port || (this.server.protocol === 'https:' ? 443 : 80)),
      path: this.server.pathname || '/',
      logLevel: 'error',
      connectionRetryCount: 0,
      capabilities: {
        platformName: 'iOS',
        'appium:automationName': this.opts.automationName,
        'appium:udid': serial,
        // The host app is installed and launched by bundle id; a session must not reinstall or reset it.
        'appium:noReset': true,
        'appium:newCommandTimeout': 600,
        ...this.opts.capabilities,
      },
    } as Parameters<typeof remote>[0]);
  }

  /** The job's session when one is open, else a short one closed afterwards. */
  private async withSession<T>(serial: string, fn: (b: Browser) => Promise<T>): Promise<T> {
    const job = this.jobSessions.get(serial);
    if (job) return fn(job);
    const b = await this.openSession(serial);
    try {
      return await fn(b);
    } finally {
      await b.deleteSession().catch(() => undefined);
    }
  }

  private session(workspace: Workspace): Browser {
    const b = this.jobSessions.get(workspace.serial);
    if (!b) throw new Error(`no Appium session for ${workspace.serial}: the workspace was cleaned up or never prepared`);
    return b;
  }

  private mobile<T = unknown>(b: Browser, command: string, args: Record<string, unknown> = {}): Promise<T> {
    return b.execute(`mobile: ${command}`, args) as Promise<T>;
  }

  async describe(serial: string): Promise<DeviceDescription> {
    return this.withSession(serial, async (b) => {
      const info = await this.mobile<Record<string, unknown>>(b, 'deviceInfo');
      const lockdown = (info.lockdownInfo ?? {}) as Record<string, unknown>;
      const str = (v: unknown, fallback: string) => (typeof v === 'string' && v ? v : fallback);
      const num = (v: unknown) => (typeof v === 'number' && v > 0 ? Math.round(v) : undefined);
      // XCUITest reports no core count or memory; the test driver adds them. 1 stands for "not reported".
      return {
        serial,
        name: str(info.name, serial),
        platform: 'ios',
        transport: 'appium',
        cpuModel: str(lockdown.ProductType, str(info.model, 'iPhone')),
        soc: typeof lockdown.HardwareModel === 'string' ? lockdown.HardwareModel : null,
        // XCUITest does not report these; null, never a guess.
        cores: num(info.processorCount) ?? null,
        ramBytes: num(info.physicalMemory) ?? null,
        osVersion: str(lockdown.ProductVersion, str(info.osVersion, 'unknown')),
        abi: 'arm64',
        ...(info.isSimulator === true ? { emulated: true } : {}),
      };
    });
  }

  async snapshot(serial: string): Promise<DeviceSnapshot> {
    return this.withSession(serial, async (b) => {
      const [battery, info] = await Promise.all([
        this.mobile<{ level?: number; state?: number }>(b, 'batteryInfo').catch(() => null),
        this.mobile<{ thermalState?: number }>(b, 'deviceInfo').catch(() => null),
      ]);
      const level = typeof battery?.level === 'number' && battery.level >= 0 ? Math.round(battery.level * 100) : null;
      const thermal = typeof info?.thermalState === 'number' ? (THERMAL[info.thermalState] ?? null) : null;
      return {
        takenAt: new Date().toISOString(),
        cores: [],
        // iOS exposes no temperature to apps or Appium; the thermal state stands in for it.
        temperatureC: null,
        // UIDeviceBatteryState: 0 unknown, 1 unplugged, 2 charging, 3 full.
        battery: battery
          ? { levelPercent: level, temperatureC: null, charging: battery.state === 2 || battery.state === 3 ? true : battery.state === 1 ? false : null }
          : null,
        thermalState: thermal,
      };
    });
  }

  async prepare(serial: string, label: string): Promise<Workspace> {
    if (this.jobSessions.has(serial)) throw new Error(`${serial} already has a job session; one job at a time per device`);
    const b = await this.openSession(serial);
    this.jobSessions.set(serial, b);
    const safe = label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
    const dir = `${ROOT}/ws/${safe}-${randomBytes(4).toString('hex')}`;
    try {
      // There is no mkdir among the mobile: commands; pushing a file creates the folder the host writes its outputs in.
      await this.mobile(b, 'pushFile', { remotePath: this.containerPath(`${dir}/.workspace`), payload: '' });
    } catch (e) {
      this.jobSessions.delete(serial);
      await b.deleteSession().catch(() => undefined);
      throw e;
    }
    return { serial, dir };
  }

  async cleanup(workspace: Workspace): Promise<void> {
    const b = this.jobSessions.get(workspace.serial);
    if (!b) return;
    this.jobSessions.delete(workspace.serial);
    try {
      // Only ever a folder prepare() named: a workspace is data, not a path to trust.
      if (!workspace.dir.startsWith(`${ROOT}/ws/`) || workspace.dir.split('/').includes('..'))
        throw new Error(`${workspace.dir} is not a workspace of this transport`);
      await this.mobile(b, 'terminateApp', { bundleId: this.bundleId }).catch(() => undefined);
      await this.mobile(b, 'deleteFolder', { remotePath: this.containerPath(workspace.dir) }).catch(() => undefined);
    } finally {
      await b.deleteSession().catch(() => undefined);
    }
  }

  /** Ends a host app an earlier agent left running and removes its workspaces. */
  async reclaim(serial: string): Promise<number> {
    return this.withSession(serial, async (b) => {
      const state = await this.mobile<number>(b, 'queryAppState', { bundleId: this.bundleId }).catch(() => 0);
      const running = state > APP_NOT_RUNNING;
      if (running) await this.mobile(b, 'terminateApp', { bundleId: this.bundleId });
      await this.mobile(b, 'deleteFolder', { remotePath: this.containerPath(`${ROOT}/ws`) }).catch(() => undefined);
      return running ? 1 : 0;
    });
  }

  async push(workspace: Workspace, localPath: string, sha256?: string): Promise<PushResult> {
    const b = this.session(workspace);
    if (localPath === this.opts.hostApp.path) return this.installHost(b, workspace.serial);
    const hash = sha256 ?? (await this.hashes.sha256(localPath));
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256: ${hash}`);
    const ext = extname(localPath).replace(/[^A-Za-z0-9.]/g, '');
    const rel = `${ROOT}/cache/${hash}${ext}`;
    const seen = this.pushed.get(workspace.serial) ?? new Set<string>();
    this.pushed.set(workspace.serial, seen);
    if (seen.has(rel)) return { remotePath: `/${rel}`, pushed: false };
    await this.mobile(b, 'pushFile', { remotePath: this.containerPath(rel), payload: b64(readFileSync(localPath)) });
    seen.add(rel);
    return { remotePath: `/${rel}`, pushed: true };
  }

  /** Installs the host app when the version on the device (a marker in its Documents) is not this one. */
  private async installHost(b: Browser, serial: string): Promise<PushResult> {
    const digest = hostAppDigest(this.opts.hostApp.path);
    const marker = this.containerPath(`${ROOT}/host-app.sha256`);
    const installed = await this.mobile<boolean>(b, 'isAppInstalled', { bundleId: this.bundleId }).catch(() => false);
    const onDevice = installed
      ? await this.mobile<string>(b, 'pullFile', { remotePath: marker })
          .then((s) => Buffer.from(s, 'base64').toString('utf8').trim())
          .catch(() => '')
      : '';
    const remotePath = `${APP_PREFIX}${this.bundleId}`;
    if (onDevice === digest) return { remotePath, pushed: false };
    await this.mobile(b, 'installApp', { app: this.opts.hostApp.path });
    await this.mobile(b, 'pushFile', { remotePath: marker, payload: b64(Buffer.from(`${digest}\n`)) });
    this.pushed.delete(serial);
    return { remotePath, pushed: true };
  }

  async pull(workspace: Workspace, remotePath: string, localPath: string): Promise<void> {
    const b = this.session(workspace);
    const path = remotePath.startsWith('/') ? remotePath : `${workspace.dir}/${remotePath}`;
    const data = await this.mobile<string>(b, 'pullFile', { remotePath: this.containerPath(path) }).catch((e: Error) => {
      throw new Error(`cannot pull ${path} from the app container on ${workspace.serial}: ${e.message}`);
    });
    writeFileSync(localPath, Buffer.from(data, 'base64'));
  }

  private async pullText(b: Browser, path: string): Promise<string | null> {
    try {
      return Buffer.from(await this.mobile<string>(b, 'pullFile', { remotePath: this.containerPath(path) }), 'base64').toString('utf8');
    } catch {
      return null;
    }
  }

  /**
   * Launches the host app with the arguments and waits for its exit file (CONTRACT.md "Output").
   * Rejects when the app cannot be launched or the session fails; a crash, a timeout or an abort is a result.
   */
  async exec(workspace: Workspace, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [program, ...args] = argv;
    if (!program?.startsWith(APP_PREFIX) || program.slice(APP_PREFIX.length) !== this.bundleId) {
      throw new Error(`an Appium device runs only the host app (${APP_PREFIX}${this.bundleId}), not ${program}`);
    }
    const b = this.session(workspace);
    const execDir = `${workspace.dir}/.exec-${++this.execCount}`;
    const base = { signal: null, timedOut: false, aborted: false };
    if (options.signal?.aborted) return { ...base, exitCode: null, stdout: '', stderr: '', aborted: true };
    // A host left running (an earlier exec that timed out) would not see new arguments.
    await this.mobile(b, 'terminateApp', { bundleId: this.bundleId }).catch(() => undefined);
    await this.mobile(b, 'launchApp', { bundleId: this.bundleId, arguments: ['--farm-exec', `/${execDir}`, ...args] });
    const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Infinity;
    const pollMs = this.opts.execPollMs ?? 300;
    for (;;) {
      const exit = await this.pullText(b, `${execDir}/exit`);
      if (exit !== null) {
        const [stdout, stderr] = await Promise.all([this.pullText(b, `${execDir}/stdout`), this.pullText(b, `${execDir}/stderr`)]);
        const code = Number.parseInt(exit.trim(), 10);
        return { ...base, exitCode: Number.isFinite(code) ? code : null, stdout: stdout ?? '', stderr: stderr ?? '' };
      }
      const state = await this.mobile<number>(b, 'queryAppState', { bundleId: this.bundleId });
      if (state <= APP_NOT_RUNNING) {
        // The app may have written exit just before ending: one more look decides crash or not.
        if ((await this.pullText(b, `${execDir}/exit`)) !== null) continue;
        return {
          ...base,
          exitCode: null,
          signal: 'APP_CRASHED',
          stdout: '',
          stderr: `the host app ${this.bundleId} stopped on ${workspace.serial} without writing its exit file: it crashed or was killed`,
        };
      }
      if (options.signal?.aborted || Date.now() > deadline) {
        await this.mobile(b, 'terminateApp', { bundleId: this.bundleId }).catch(() => undefined);
        return { ...base, exitCode: null, stdout: '', stderr: '', timedOut: !options.signal?.aborted, aborted: !!options.signal?.aborted };
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
