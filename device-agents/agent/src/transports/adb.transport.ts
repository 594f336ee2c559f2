/**
 * The adb transport: Android phones behind a real adb server, through @devicefarmer/adbkit.
 * Devices come from the server's device list and its tracking stream; a device is described from
 * getprop, sysfs and /proc/meminfo and its state read from thermal zones, `dumpsys battery` and
 * cpufreq. Jobs work in /data/local/tmp/farm/jobs/<id>; pushed files are cached, by sha256, in
 * /data/local/tmp/farm/cache. adbkit only speaks shell v1 (stderr merged, no exit code): every
 * command is wrapped as adb-shell.ts explains, with each argv element quoted.
 *
 * adbkit quirks handled here (see ENVIRONMENT.md): getSerialNo() says "unknown" for TCP devices, so
 * the serial we were given is used throughout; pulling a missing file resolves with 0 bytes, so
 * pull() stats first and checks the size it got.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { extname } from 'node:path';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import adbkit, { type Client, type DeviceClient } from '@devicefarmer/adbkit';
import { FileHashCache } from './file-hash-cache.js';
import type {
  CoreState,
  DeviceConnection,
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
import { killCommand, parseDumpsysBattery, parseExecOutput, parseGetprop, reclaimCommand, sections, shQuote, wrapExec } from './adb-shell.js';

// adbkit is CommonJS: under Node's ESM loader only its module.exports (the default import) carries Adb.
const { Adb } = adbkit;

export interface AdbServerAddress {
  host: string;
  port: number;
}

export interface AdbTransportOptions extends AdbServerAddress {
  /** Where the farm keeps its files on the device; default /data/local/tmp/farm. */
  deviceRoot?: string;
  /** How long after a kill the wrapped command may take to report before its stream is closed. */
  killGraceMs?: number;
  /** How often track() also reads the server's device list (see track()); default 2 s. */
  pollMs?: number;
}

const DEFAULT_ROOT = '/data/local/tmp/farm';
/** stdout is returned whole (reports can be large), as by the local transport. */
const STDOUT_MAX = 64 * 1024 * 1024;
const STDERR_KEEP = 64 * 1024;

function connectionOf(type: string): DeviceConnection {
  if (type === 'device' || type === 'emulator') return 'online';
  if (type === 'unauthorized') return 'unauthorized';
  return 'offline';
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}

/**
 * Makes sure an adb server answers at host:port: when none does and the host is this machine,
 * `adb -P port start-server` starts one (the adb binary on PATH), with spawnEnv (the server keeps
 * its key under HOME). A remote server is never started.
 */
export async function ensureAdbServer(address: AdbServerAddress, spawnEnv: NodeJS.ProcessEnv = process.env, adbBinary = 'adb'): Promise<void> {
  const client = Adb.createClient({ host: address.host, port: address.port });
  try {
    await client.version();
    return;
  } catch (err) {
    if (!isLoopback(address.host)) throw new Error(`no adb server answers at ${address.host}:${address.port}: ${(err as Error).message}`);
  }
  await new Promise<void>((resolve, reject) =>
    execFile(adbBinary, ['-P', String(address.port), 'start-server'], { timeout: 60_000, env: spawnEnv }, (err, _stdout, stderr) =>
      err ? reject(new Error(`adb start-server on port ${address.port} failed: ${stderr || err.message}`)) : resolve(),
    ),
  );
  await client.version();
}

/** Whether an `adb` binary is on PATH (an agent then says why phones are off, instead of staying silent). */
export function adbBinaryAvailable(adbBinary = 'adb'): boolean {
  try {
    execFileSync(adbBinary, ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class AdbTransport implements Transport {
  readonly kind = 'adb' as const;
  readonly root: string;
  private readonly client: Client;
  private readonly killGraceMs: number;
  private readonly pollMs: number;
  private readonly hashes = new FileHashCache();

  constructor(options: AdbTransportOptions) {
    this.client = Adb.createClient({ host: options.host, port: options.port });
    this.root = options.deviceRoot ?? DEFAULT_ROOT;
    if (!/^\/[A-Za-z0-9_./-]+$/.test(this.root) || this.root.split('/').includes('..')) throw new Error(`bad device root ${this.root}`);
    this.killGraceMs = options.killGraceMs ?? 5_000;
    this.pollMs = options.pollMs ?? 2_000;
  }

  async devices(): Promise<DeviceListing[]> {
    const listed = await this.client.listDevices();
    return listed.map((d) => ({ serial: d.id, connection: connectionOf(d.type) }));
  }

  /**
   * adbkit's tracker may read the server's first list before anyone listens (its promise settles
   * late), so the devices there at the start come from devices() as well; a map of what the
   * listener was told keeps each device reported once and each change only when it is one.
   * The server's list is also polled: adb 29 marks a TCP device whose connection dropped offline
   * (`adb devices` shows it) without telling its trackers, as tried here with an emulated device.
   */
  async track(listener: (event: DeviceEvent) => void): Promise<DeviceTracking> {
    const tracker = await this.client.trackDevices();
    let open = true;
    const told = new Map<string, DeviceConnection>();
    const seen = (d: { id: string; type: string }) => {
      const connection = connectionOf(d.type);
      const before = told.get(d.id);
      if (!open || before === connection) return;
      told.set(d.id, connection);
      listener({ type: before === undefined ? 'added' : 'changed', device: { serial: d.id, connection } });
    };
    const gone = (d: { id: string }) => {
      if (!open || !told.delete(d.id)) return;
      listener({ type: 'removed', serial: d.id });
    };
    tracker.on('add', seen);
    tracker.on('change', seen);
    tracker.on('remove', gone);
    // A tracker whose connection breaks (the server stopped) just ends: the listener hears no more.
    tracker.on('error', () => undefined);
    const reconcile = (list: Array<{ id: string; type: string }>) => {
      for (const d of list) seen(d);
      for (const id of [...told.keys()]) if (!list.some((d) => d.id === id)) gone({ id });
    };
    reconcile(await this.client.listDevices());
    const poll = setInterval(() => {
      this.client.listDevices().then(reconcile, () => undefined);
    }, this.pollMs);
    poll.unref();
    return {
      close: async () => {
        open = false;
        clearInterval(poll);
        tracker.end();
      },
    };
  }

  async describe(serial: string): Promise<DeviceDescription> {
    const out = await this.shellText(
      serial,
      'echo @props; getprop; echo @cpus; for c in /sys/devices/system/cpu/cpu[0-9]*; do echo "${c##*/cpu} $(cat $c/cpufreq/cpuinfo_max_freq 2>/dev/null)"; done; echo @mem; cat /proc/meminfo',
    );
    const s = sections(out);
    const props = parseGetprop((s.get('props') ?? []).join('\n'));
    const cpus = (s.get('cpus') ?? [])
      .map((l) => l.split(' '))
      .filter(([n]) => /^\d+$/.test(n ?? ''))
      .map(([n, f]) => ({ cpu: Number(n), maxFreqMHz: khzToMHz(f) }))
      .sort((a, b) => a.cpu - b.cpu);
    const memKb = Number(/^MemTotal:\s+(\d+)\s*kB/m.exec((s.get('mem') ?? []).join('\n'))?.[1] ?? NaN);
    const prop = (k: string) => (props[k] ? props[k] : null);
    const soc = prop('ro.soc.model') ?? prop('ro.board.platform') ?? prop('ro.hardware');
    const maxFreqs = cpus.map((c) => c.maxFreqMHz);
    const clusters = [...new Set(maxFreqs.filter((f): f is number => f !== null))]
      .sort((a, b) => a - b)
      .map((f) => `${maxFreqs.filter((x) => x === f).length}x ${f} MHz`);
    const model = prop('ro.product.model') ?? serial;
    const manufacturer = prop('ro.product.manufacturer');
    const release = prop('ro.build.version.release');
    const sdk = prop('ro.build.version.sdk');
    return {
      serial,
      // Two phones of one model are told apart by their serial, in every table and view.
      name: `${manufacturer ? `${manufacturer} ${model}` : model} (${serial})`,
      platform: 'android',
      transport: 'adb',
      cpuModel: clusters.length ? `${soc ?? 'unknown SoC'} (${clusters.join(' + ')})` : (soc ?? 'unknown'),
      soc,
      // Unknown stays null: a guessed core count or RAM size would read as a measurement.
      cores: cpus.length || null,
      ...(maxFreqs.some((f) => f !== null) ? { coreMaxFreqMHz: maxFreqs.map((f) => f ?? 0) } : {}),
      ramBytes: Number.isFinite(memKb) && memKb > 0 ? memKb * 1024 : null,
      osVersion: `Android ${release ?? '?'}${sdk ? ` (SDK ${sdk})` : ''}`,
      abi: prop('ro.product.cpu.abilist') ?? prop('ro.product.cpu.abi') ?? 'unknown',
      emulated: props['ro.boot.qemu'] === '1' || props['ro.farm.emulated'] === '1',
    };
  }

  async snapshot(serial: string): Promise<DeviceSnapshot> {
    const out = await this.shellText(
      serial,
      'echo @thermal; cat /sys/class/thermal/thermal_zone*/temp 2>/dev/null; echo @battery; dumpsys battery 2>/dev/null; echo @cpus; ' +
        'for c in /sys/devices/system/cpu/cpu[0-9]*; do f=$c/cpufreq; echo "${c##*/cpu} $(cat $f/scaling_cur_freq 2>/dev/null) $(cat $f/cpuinfo_max_freq 2>/dev/null) $(cat $f/scaling_governor 2>/dev/null)"; done',
    );
    const s = sections(out);
    // Zones report millidegrees; a few report degrees, and broken ones 0 or negative values.
    const temps = (s.get('thermal') ?? [])
      .map(Number)
      .filter((v) => Number.isFinite(v) && v > 0)
      .map((v) => (v > 1000 ? v / 1000 : v));
    const cores: CoreState[] = (s.get('cpus') ?? [])
      .map((l) => l.split(' '))
      .filter(([n]) => /^\d+$/.test(n ?? ''))
      .map(([n, cur, max, governor]) => ({ cpu: Number(n), governor: governor || null, curFreqMHz: khzToMHz(cur), maxFreqMHz: khzToMHz(max) }))
      .sort((a, b) => a.cpu - b.cpu);
    return {
      takenAt: new Date().toISOString(),
      cores,
      temperatureC: temps.length ? Math.max(...temps) : null,
      battery: parseDumpsysBattery(s.get('battery') ?? []),
    };
  }

  async prepare(serial: string, label: string): Promise<Workspace> {
    const safe = label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
    const dir = `${this.root}/jobs/${safe}-${randomBytes(4).toString('hex')}`;
    await this.checkedShell(serial, `mkdir -p ${shQuote(dir)}`);
    return { serial, dir };
  }

  async cleanup(workspace: Workspace): Promise<void> {
    // Only ever a directory prepare() made: a workspace is data, not a path to trust.
    const dir = posix.normalize(workspace.dir);
    if (!dir.startsWith(`${this.root}/jobs/`) || dir.split('/').includes('..')) throw new Error(`${workspace.dir} is not a workspace of this transport`);
    await this.checkedShell(workspace.serial, `rm -rf ${shQuote(dir)}`);
  }

  /** See reclaimCommand in adb-shell.ts: only pids that are still the program recorded beside them are killed. */
  async reclaim(serial: string): Promise<number> {
    const out = await this.shellText(serial, reclaimCommand(`${this.root}/jobs`));
    if (!out.includes('@done')) throw new Error(`could not reclaim ${serial}: ${out.trim().slice(-500)}`);
    return out.split('\n').filter((l) => l.startsWith('@killed ')).length;
  }

  async push(workspace: Workspace, localPath: string, sha256?: string): Promise<PushResult> {
    const hash = sha256 ?? (await this.hashes.sha256(localPath));
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256: ${hash}`);
    const cache = `${this.root}/cache`;
    const ext = extname(localPath).replace(/[^A-Za-z0-9.]/g, '');
    const remotePath = `${cache}/${hash}${ext}`;
    const local = statSync(localPath);
    const device = this.device(workspace.serial);
    const there = await device.stat(remotePath).catch(() => null);
    if (there && there.isFile() && there.size === local.size) return { remotePath, pushed: false };

    await this.checkedShell(workspace.serial, `mkdir -p ${shQuote(cache)}`);
    // Pushed beside, then renamed: a concurrent job never runs half a file. A byte-mode stream, so
    // adbkit sends DATA units of the stream's chunk size (adbd refuses units over 64 KiB).
    const partial = `${remotePath}.${randomBytes(4).toString('hex')}.partial`;
    const transfer = await device.push(createReadStream(localPath, { highWaterMark: 64 * 1024 }), partial, local.mode & 0o777);
    await new Promise<void>((resolve, reject) => {
      transfer.on('end', () => resolve());
      transfer.on('error', reject);
    });
    await this.checkedShell(workspace.serial, `mv -f ${shQuote(partial)} ${shQuote(remotePath)}`);
    return { remotePath, pushed: true };
  }

  async pull(workspace: Workspace, remotePath: string, localPath: string): Promise<void> {
    const path = remotePath.startsWith('/') ? remotePath : posix.join(workspace.dir, remotePath);
    const device = this.device(workspace.serial);
    // adbkit resolves a pull of a missing file with 0 bytes (and errors after the end): stat first.
    const st = await device.stat(path).catch((err: Error) => {
      throw new Error(`cannot pull ${path} from ${workspace.serial}: ${err.message}`);
    });
    if (!st.isFile()) throw new Error(`cannot pull ${path} from ${workspace.serial}: not a regular file`);
    const transfer = await device.pull(path);
    let failure: Error | null = null;
    transfer.on('error', (err: Error) => (failure = err));
    await pipeline(transfer, createWriteStream(localPath));
    const got = statSync(localPath).size;
    if (failure || got !== st.size) {
      throw new Error(`pull of ${path} from ${workspace.serial} incomplete: ${got} of ${st.size} bytes${failure ? ` (${(failure as Error).message})` : ''}`);
    }
  }

  async exec(workspace: Workspace, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new Error('exec needs a program');
    if (options.signal?.aborted) return { exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: true };
    const wrapped = wrapExec(workspace.dir, argv, options.cpus);
    const stream = (await this.device(workspace.serial).shell(wrapped.command)) as Duplex;

    let timedOut = false;
    let aborted = false;
    let killing: Promise<void> | null = null;
    let grace: NodeJS.Timeout | undefined;
    const kill = () => {
      // A second shell kills the program by the pid it left on the device; if the wrapped command still
      // has not reported after the grace period (device gone), its stream is closed.
      killing ??= this.shellText(workspace.serial, killCommand(wrapped.pidFile))
        .then(() => undefined)
        .catch(() => undefined)
        .finally(() => {
          grace = setTimeout(() => stream.destroy(), this.killGraceMs);
        });
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          kill();
        }, options.timeoutMs)
      : undefined;
    const onAbort = () => {
      aborted = true;
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    let output = '';
    let outputBytes = 0;
    const lines = options.onStdoutLine ? lineSplitter(wrapped.marker, options.onStdoutLine) : null;
    stream.setEncoding('utf8');
    try {
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: string) => {
          outputBytes += chunk.length;
          if (outputBytes <= STDOUT_MAX + STDERR_KEEP) output += chunk;
          lines?.push(chunk);
        });
        stream.on('end', () => resolve());
        stream.on('close', () => resolve());
        stream.on('error', (err) => (timedOut || aborted ? resolve() : reject(err)));
      });
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      await killing;
      if (grace) clearTimeout(grace);
    }
    lines?.end();

    const parsed = parseExecOutput(output, wrapped.marker);
    const stderr = parsed.stderr.slice(-STDERR_KEEP);
    // sh answers 127 for a program it cannot find and 126 for one it cannot run: nothing started.
    if (!timedOut && !aborted && (parsed.status === 127 || parsed.status === 126) && /not found|denied|cannot execute|No such file/i.test(stderr)) {
      throw new Error(`cannot start ${argv[0]} on ${workspace.serial}: ${stderr.trim()}`);
    }
    if (timedOut || aborted) return { exitCode: null, signal: 'SIGKILL', stdout: parsed.stdout, stderr, timedOut, aborted };
    if (parsed.status === null) {
      return {
        exitCode: null,
        signal: null,
        stdout: parsed.stdout,
        stderr: `${stderr}the device shell ended without reporting an exit status`,
        timedOut,
        aborted,
      };
    }
    return { exitCode: parsed.status, signal: null, stdout: parsed.stdout, stderr, timedOut, aborted };
  }

  private device(serial: string): DeviceClient {
    // Never getSerialNo(): adbkit answers "unknown" for TCP devices.
    return this.client.getDevice(serial);
  }

  /** Output of a fixed probe command (no caller data in it). */
  private async shellText(serial: string, command: string): Promise<string> {
    const stream = await this.device(serial).shell(command);
    return (await Adb.util.readAll(stream)).toString('utf8');
  }

  /** Runs a command whose every caller-supplied part is quoted, and fails with its output unless it exits 0. */
  private async checkedShell(serial: string, command: string): Promise<void> {
    const marker = `__FARM_EXIT_${randomBytes(6).toString('hex')}__`;
    const out = await this.shellText(serial, `{ ${command}; } 2>&1; printf '\\n${marker}:%d\\n' $?`);
    const parsed = parseExecOutput(out, marker);
    if (parsed.status !== 0) throw new Error(`on ${serial}: ${command} failed (${parsed.status ?? 'no status'}): ${parsed.stdout.trim()}`);
  }
}

function khzToMHz(text: string | undefined): number | null {
  const v = Number(text);
  return text && Number.isFinite(v) && v > 0 ? v / 1000 : null;
}

/**
 * Complete stdout lines as they arrive, until the exit marker. The wrapper prints "\n" before the
 * marker, so the line held just before it is the program's own only when it is not empty.
 */
function lineSplitter(marker: string, onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let buffer = '';
  let held: string | null = null;
  let done = false;
  const take = (line: string) => {
    if (done) return;
    if (line.startsWith(`${marker}:`)) {
      done = true;
      if (held) onLine(held);
      return;
    }
    if (held !== null) onLine(held);
    held = line;
  };
  return {
    push(chunk) {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        take(buffer.slice(0, nl).replace(/\r$/, ''));
        buffer = buffer.slice(nl + 1);
      }
    },
    end() {
      if (!done && held) onLine(held);
      done = true;
    },
  };
}
