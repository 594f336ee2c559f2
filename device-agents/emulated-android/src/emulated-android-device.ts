/**
 * One emulated arm64 Android phone: an ADB daemon on a TCP port that a real adb server reaches with
 * `adb connect 127.0.0.1:PORT`, a sandbox root its shell commands run in (arm64 binaries under
 * qemu), a thermal model, and counters a test can read. Test and demo infrastructure: it is
 * flagged as emulated in its properties and its banner, and no timing taken on it says anything
 * about a phone.
 */
import { mkdtempSync, readFileSync, appendFileSync, rmSync, mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdbConnection, type AuthMode, type DeviceStream, type StreamService } from './adb-connection.js';
import { parseAdbPublicKey } from './adb-auth.js';
import { DEFAULT_PROFILE, type DeviceProfile } from './device-profile.js';
import { buildSandboxRoot, writeSandboxState, type SandboxRootPaths } from './sandbox-root.js';
import { DEFAULT_HOST_TOOLS, sandboxUnsupportedReason, spawnInSandbox, type HostTools } from './sandbox-shell.js';
import { openShellService } from './shell-service.js';
import { openSyncService } from './sync-service.js';
import { DEFAULT_THERMAL, ThermalModel, type ThermalSettings } from './thermal-model.js';

/** The adb server probes these for emulator consoles at start-up: a device there would be listed twice. */
export const ADB_EMULATOR_PORTS = { first: 5555, last: 5585 };

const TICK_MS = 250;
/** How many started commands the device remembers for commandsStartedSince. */
const COMMAND_LOG_SIZE = 2000;

export interface EmulatedDeviceOptions {
  port: number;
  /** Interface to listen on; the serial is host:port. */
  host?: string;
  auth?: AuthMode;
  profile?: Partial<DeviceProfile>;
  thermal?: Partial<ThermalSettings>;
  /** Where the sandbox lives; by default a fresh temporary directory, removed by stop(). */
  dir?: string;
  tools?: Partial<HostTools>;
}

export interface EmulatedDeviceCounters {
  /** sync SEND requests (one per pushed file), successful or not. */
  syncSends: number;
  /** shell: and exec: commands started. */
  shellCommands: number;
  /** TCP connections from hosts. */
  connections: number;
}

export class EmulationUnsupportedError extends Error {}

export class EmulatedAndroidDevice {
  /** Always true: this is how callers and reports tell it from hardware. */
  readonly emulated = true;
  readonly serial: string;
  readonly profile: DeviceProfile;
  private readonly counters: EmulatedDeviceCounters = { syncSends: 0, shellCommands: 0, connections: 0 };
  private readonly sockets = new Set<Socket>();
  private readonly thermal: ThermalModel;
  /** The last COMMAND_LOG_SIZE commands started, each with its number (counters.shellCommands at its start). */
  private readonly commandLog: { seq: number; command: string }[] = [];
  /** Start times of the commands running now. */
  private readonly running = new Set<{ since: number }>();
  /** Time commands that ended since the last tick spent running within it. */
  private endedBusyMs = 0;
  private lastTick = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private batteryLevel: number;
  private charging: boolean;

  private constructor(
    private readonly server: Server,
    private readonly paths: SandboxRootPaths,
    private readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly tools: HostTools,
    readonly port: number,
    host: string,
    profile: DeviceProfile,
    thermal: ThermalSettings,
    private readonly auth: AuthMode,
  ) {
    this.serial = `${host}:${port}`;
    this.profile = profile;
    this.thermal = new ThermalModel(thermal);
    this.batteryLevel = profile.batteryLevel;
    this.charging = profile.charging;
  }

  /** Builds the sandbox and listens. Fails with the reason when this host cannot run the sandbox. */
  static async start(options: EmulatedDeviceOptions): Promise<EmulatedAndroidDevice> {
    const { port } = options;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port ${port}`);
    if (port >= ADB_EMULATOR_PORTS.first && port <= ADB_EMULATOR_PORTS.last) {
      throw new Error(
        `port ${port} is in ${ADB_EMULATOR_PORTS.first}-${ADB_EMULATOR_PORTS.last}, which the adb server scans for emulators: the device would show twice`,
      );
    }
    const tools = { ...DEFAULT_HOST_TOOLS, ...options.tools };
    const unsupported = await sandboxUnsupportedReason(tools);
    if (unsupported) throw new EmulationUnsupportedError(`emulated Android devices cannot run here: ${unsupported}`);
    const host = options.host ?? '127.0.0.1';
    const profile = { ...DEFAULT_PROFILE, ...options.profile };
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), `emulated-android-${port}-`));
    mkdirSync(dir, { recursive: true });
    const paths = buildSandboxRoot(dir, profile, `${host}:${port}`, tools.busybox);
    const server = createServer();
    const device = new EmulatedAndroidDevice(
      server,
      paths,
      dir,
      !options.dir,
      tools,
      port,
      host,
      profile,
      { ...DEFAULT_THERMAL, ...options.thermal },
      options.auth ?? 'none',
    );
    device.writeState();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('connection', (socket) => device.accept(socket));
    device.timer = setInterval(() => device.tick(), TICK_MS);
    device.timer.unref();
    return device;
  }

  /** A copy: the numbers at the time of the call. */
  get counts(): EmulatedDeviceCounters {
    return { ...this.counters };
  }

  /**
   * The commands started after the `since`-th one (compare with `counts.shellCommands` taken
   * before), oldest first. A test asks what ran on the device, not how many commands run at one
   * instant: an agent polls the device's state with short commands of its own at any time.
   */
  commandsStartedSince(since: number): string[] {
    return this.commandLog.filter((c) => c.seq > since).map((c) => c.command);
  }

  /** Commands running on the device now. */
  get runningCommands(): number {
    return this.running.size;
  }

  /** The host directory that is the device's `/`. */
  get rootDir(): string {
    return this.paths.root;
  }

  /** The SoC temperature the thermal zones report now, in °C. */
  get temperatureC(): number {
    return this.thermal.celsius;
  }

  /** Holds every CPU thermal zone at `celsius` (a phone left in the sun); null lets it cool from there. */
  forceTemperature(celsius: number | null): void {
    this.thermal.force(celsius);
    this.writeState();
  }

  setBattery(state: { level?: number; charging?: boolean }): void {
    if (state.level !== undefined) {
      if (!(state.level >= 0 && state.level <= 100)) throw new Error(`battery level must be 0-100, got ${state.level}`);
      this.batteryLevel = state.level;
    }
    if (state.charging !== undefined) this.charging = state.charging;
    this.writeState();
  }

  /** Drops every host connection (the host then sees the device go offline), kills its commands, removes a temporary sandbox. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private accept(socket: Socket): void {
    this.counters.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    new AdbConnection(socket, {
      banner: this.banner(),
      auth: this.auth,
      trustedKeys: this.trustedKeys(),
      onKeyAccepted: (line) => appendFileSync(this.adbKeysFile(), `${line}\n`),
      openService: (service, stream) => this.openService(service, stream),
    });
  }

  /** What `adb devices -l` shows. No features: the device serves shell v1 and sync v1 only. */
  private banner(): string {
    const p = this.profile;
    return `device::ro.product.name=${p.name};ro.product.model=${p.model};ro.product.device=${p.device};`;
  }

  private openService(service: string, stream: DeviceStream): StreamService | null {
    if (service === 'sync:') return openSyncService(stream, { root: this.paths.root, sendStarted: () => this.counters.syncSends++ });
    const shell = /^(shell|exec):(.*)$/s.exec(service);
    if (!shell) return null;
    this.counters.shellCommands++;
    // No command means an interactive shell; without a pty it reads commands from the stream.
    const command = shell[2] || 'exec sh -i';
    this.commandLog.push({ seq: this.counters.shellCommands, command });
    if (this.commandLog.length > COMMAND_LOG_SIZE) this.commandLog.shift();
    const run = { since: Date.now() };
    return openShellService(command, stream, {
      spawn: (c) => spawnInSandbox(this.paths, c, this.tools),
      started: () => {
        this.running.add(run);
        this.writeState();
      },
      ended: () => {
        this.running.delete(run);
        this.endedBusyMs += Date.now() - Math.max(run.since, this.lastTick);
        this.writeState();
      },
    });
  }

  // adbd keeps allowed host keys in /data/misc/adb/adb_keys; so does the emulated device, so a
  // device restarted on the same directory remembers the hosts it trusted.
  private adbKeysFile(): string {
    return join(this.paths.root, 'data/misc/adb/adb_keys');
  }

  private trustedKeys() {
    let lines: string[] = [];
    try {
      lines = readFileSync(this.adbKeysFile(), 'utf8').split('\n').filter(Boolean);
    } catch {
      // No host trusted yet.
    }
    return lines.flatMap((l) => {
      try {
        return [parseAdbPublicKey(l)];
      } catch {
        return [];
      }
    });
  }

  private tick(): void {
    const now = Date.now();
    const elapsed = Math.max(1, now - this.lastTick);
    // Concurrent commands count once: the load is the share of wall time with anything running.
    let busy = this.endedBusyMs;
    for (const r of this.running) busy = Math.max(busy, now - Math.max(r.since, this.lastTick));
    this.thermal.advance(elapsed, busy / elapsed);
    this.endedBusyMs = 0;
    this.lastTick = now;
    this.writeState();
  }

  private writeState(): void {
    const soc = this.thermal.celsius;
    writeSandboxState(this.paths.root, this.profile, {
      socC: soc,
      // The battery sits beside the SoC and warms with it, more slowly and less.
      batteryC: this.thermal.ambientC + 0.3 * (soc - this.thermal.ambientC),
      busy: this.running.size > 0,
      batteryLevel: this.batteryLevel,
      charging: this.charging,
    });
  }
}
