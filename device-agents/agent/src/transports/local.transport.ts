/**
 * The local transport: the desktop this agent runs on is itself a device. It describes the
 * machine and reads its benchmark-relevant state (governors, frequencies, temperature, battery)
 * from sysfs where the kernel exposes it; what it cannot read is reported as null, never guessed.
 * Processes are started with an argument vector (no shell), in their own process group, so a
 * timeout or an abort also ends whatever they started; RUNNER_CPUS pinning is applied here with
 * taskset.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, cpus, hostname, release, tmpdir, totalmem, type } from 'node:os';
import { extname, isAbsolute, join, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import type { Environment } from '@farm/contracts';
import { AGENT_VERSION } from '../agent-config.js';
import { FileHashCache } from './file-hash-cache.js';
import type {
  CoreState,
  DeviceDescription,
  DeviceEvent,
  DeviceListing,
  DeviceSnapshot,
  DeviceTracking,
  ExecOptions,
  ExecResult,
  PushResult,
  Transport,
  Workspace,
} from './transport.js';

function readSys(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

function sysNumber(path: string): number | null {
  const text = readSys(path);
  if (text === null || text === '') return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

function osPrettyName(): string {
  const text = readSys('/etc/os-release') ?? '';
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
  return m ? m[1]! : `${type()} ${release()}`;
}

function maxTemperatureC(): number | null {
  let max: number | null = null;
  try {
    for (const z of readdirSync('/sys/class/thermal').filter((n) => n.startsWith('thermal_zone'))) {
      const v = sysNumber(`/sys/class/thermal/${z}/temp`);
      if (v !== null && v > 0) max = Math.max(max ?? -Infinity, v / 1000);
    }
  } catch {
    /* no thermal zones exposed (VMs, containers) */
  }
  return max;
}

function khzToMHz(v: number | null): number | null {
  return v !== null && v > 0 ? v / 1000 : null;
}

function coreStates(): CoreState[] {
  return cpus().map((_, cpu) => {
    const base = `/sys/devices/system/cpu/cpu${cpu}/cpufreq`;
    return {
      cpu,
      governor: readSys(`${base}/scaling_governor`),
      curFreqMHz: khzToMHz(sysNumber(`${base}/scaling_cur_freq`)),
      maxFreqMHz: khzToMHz(sysNumber(`${base}/cpuinfo_max_freq`)),
    };
  });
}

/** A laptop's battery from /sys/class/power_supply; null on a desktop (none there). */
function batteryState(): DeviceSnapshot['battery'] {
  let names: string[];
  try {
    names = readdirSync('/sys/class/power_supply').filter((n) => readSys(`/sys/class/power_supply/${n}/type`) === 'Battery');
  } catch {
    return null;
  }
  const b = names[0];
  if (!b) return null;
  const base = `/sys/class/power_supply/${b}`;
  const status = readSys(`${base}/status`);
  const temp = sysNumber(`${base}/temp`); // tenths of a degree, where the driver offers it
  return {
    levelPercent: sysNumber(`${base}/capacity`),
    temperatureC: temp === null ? null : temp / 10,
    charging: status === null || status === 'Unknown' ? null : status === 'Charging' || status === 'Full',
  };
}

/** Kills the process group recorded in pidFile, if any: left over when the agent itself was killed mid-job. */
export function killStaleProcessGroup(pidFile: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return null;
  }
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return null;
  try {
    process.kill(-pid, 'SIGKILL');
    return pid;
  } catch {
    return null;
  }
}

/** stdout is returned whole (reports can be large); stderr only its tail, which is where errors are. */
const STDOUT_MAX = 64 * 1024 * 1024;
const STDERR_KEEP = 64 * 1024;

export interface LocalTransportOptions {
  /** Holds the push cache and the job workspaces; default: a directory under the system temp dir. */
  root?: string;
  /** RLIMIT_AS for every process this transport starts unless exec() asks for another; unset: no cap. */
  memoryLimitBytes?: number;
}

export class LocalTransport implements Transport {
  readonly kind = 'local' as const;
  readonly serial = `local:${hostname()}`;
  readonly root: string;
  private readonly hashes = new FileHashCache();

  private readonly memoryLimitBytes: number | undefined;

  constructor(options: LocalTransportOptions = {}) {
    this.root = resolve(options.root ?? join(tmpdir(), 'farm-local-device'));
    this.memoryLimitBytes = options.memoryLimitBytes;
  }

  async devices(): Promise<DeviceListing[]> {
    return [{ serial: this.serial, connection: 'online' }];
  }

  /** The desktop never comes or goes: one `added`, then nothing. */
  async track(listener: (event: DeviceEvent) => void): Promise<DeviceTracking> {
    let open = true;
    const devices = await this.devices();
    queueMicrotask(() => {
      for (const device of devices) if (open) listener({ type: 'added', device });
    });
    return {
      close: async () => {
        open = false;
      },
    };
  }

  async describe(serial: string): Promise<DeviceDescription> {
    this.check(serial);
    const c = cpus();
    return {
      serial: this.serial,
      name: `${hostname()} (desktop)`,
      platform: process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : 'linux',
      transport: 'local',
      cpuModel: c[0]?.model.trim() ?? 'unknown',
      soc: null,
      cores: Math.max(1, c.length),
      ramBytes: totalmem(),
      osVersion: osPrettyName(),
      abi: arch(),
    };
  }

  async snapshot(serial: string): Promise<DeviceSnapshot> {
    this.check(serial);
    return { takenAt: new Date().toISOString(), cores: coreStates(), temperatureC: maxTemperatureC(), battery: batteryState() };
  }

  /** The result's environment, from the same sysfs readings as snapshot(). */
  environment(): Environment {
    const c = cpus();
    const cpu0 = coreStates()[0];
    return {
      os: type(),
      osRelease: release(),
      arch: arch(),
      cpuModel: c[0]?.model.trim() ?? 'unknown',
      cores: Math.max(1, c.length),
      cpuGovernor: cpu0?.governor ?? null,
      cpuFreqMHz: cpu0?.curFreqMHz ?? (c[0]?.speed ? c[0].speed : null),
      temperatureC: maxTemperatureC(),
      agentVersion: AGENT_VERSION,
      runtimeVersion: `node ${process.version}`,
    };
  }

  async prepare(serial: string, label: string): Promise<Workspace> {
    this.check(serial);
    const safe = label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
    const dir = join(this.root, 'jobs', `${safe}-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { recursive: true });
    return { serial, dir };
  }

  async cleanup(workspace: Workspace): Promise<void> {
    const jobs = join(this.root, 'jobs') + sep;
    // Only ever a directory prepare() made: a workspace is data, not a path to trust.
    if (!resolve(workspace.dir).startsWith(jobs)) throw new Error(`${workspace.dir} is not a workspace of this transport`);
    rmSync(workspace.dir, { recursive: true, force: true });
  }

  async push(workspace: Workspace, localPath: string, sha256?: string): Promise<PushResult> {
    this.check(workspace.serial);
    const hash = sha256 ?? (await this.hashes.sha256(localPath));
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256: ${hash}`);
    // Flat on purpose: the int8 runner's plan names its weights file by its cached name, beside it.
    // Engines that resolve references by directory open their model from a per-job directory instead (ArtifactCache.checkout).
    const cache = join(this.root, 'cache');
    const ext = extname(localPath).replace(/[^A-Za-z0-9.]/g, '');
    const remotePath = join(cache, `${hash}${ext}`);
    if (existsSync(remotePath)) return { remotePath, pushed: false };
    mkdirSync(cache, { recursive: true });
    // Copied beside, then renamed: a concurrent reader never sees half a file.
    const partial = `${remotePath}.${randomBytes(4).toString('hex')}.partial`;
    copyFileSync(localPath, partial);
    chmodSync(partial, statSync(localPath).mode & 0o777);
    renameSync(partial, remotePath);
    return { remotePath, pushed: true };
  }

  async pull(workspace: Workspace, remotePath: string, localPath: string): Promise<void> {
    this.check(workspace.serial);
    copyFileSync(isAbsolute(remotePath) ? remotePath : join(workspace.dir, remotePath), localPath);
  }

  exec(workspace: Workspace, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.check(workspace.serial);
    if (argv.length === 0) return Promise.reject(new Error('exec needs a program'));
    // taskset and prlimit exec the program in place, so the pid, the process group and the pidfile stay the program's own.
    const memory = options.memoryLimitBytes ?? this.memoryLimitBytes;
    const capped = memory ? ['prlimit', `--as=${Math.floor(memory)}`, '--', ...argv] : [...argv];
    const full = options.cpus ? ['taskset', '--cpu-list', options.cpus, ...capped] : capped;
    return new Promise<ExecResult>((done, fail) => {
      if (options.signal?.aborted) {
        return done({ exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: true });
      }
      const child = spawn(full[0]!, full.slice(1), {
        cwd: workspace.dir,
        // stdin stays open and unused: a child that watches it (the runner host) sees EOF when the agent dies, even by SIGKILL.
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group, so a kill also ends what it started (the runner host's engines).
        detached: true,
      });
      if (options.pidFile && child.pid) writeFileSync(options.pidFile, String(child.pid));
      let stdout = '';
      let stdoutBytes = 0;
      let stderr = '';
      let timedOut = false;
      let aborted = false;
      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const timer = options.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            killGroup();
          }, options.timeoutMs)
        : undefined;
      const onAbort = () => {
        aborted = true;
        killGroup();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });

      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes <= STDOUT_MAX) stdout += chunk;
      });
      if (options.onStdoutLine) createInterface({ input: child.stdout }).on('line', options.onStdoutLine);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_KEEP);
      });
      const finish = () => {
        if (timer) clearTimeout(timer);
        if (options.pidFile) rmSync(options.pidFile, { force: true });
        options.signal?.removeEventListener('abort', onAbort);
      };
      child.on('error', (err) => {
        // Only a program that never started rejects (ENOENT, EACCES); the promise settles once.
        if (child.pid === undefined) {
          finish();
          fail(new Error(`cannot start ${full[0]}: ${err.message}`));
        }
      });
      child.on('close', (code, signal) => {
        finish();
        done({ exitCode: code, signal, stdout, stderr, timedOut, aborted });
      });
      child.stdin.on('error', () => undefined); // a child that exits at once closes its end first
    });
  }

  private check(serial: string): void {
    if (serial !== this.serial) throw new Error(`the local transport has no device ${serial}`);
  }
}
