/**
 * The transport interface: how the agent reaches a device (this desktop, an Android phone over
 * adb, an iPhone through Appium). A transport knows nothing of frameworks; a runner builds an
 * argument vector and asks its transport to push, exec and pull. Only transports start processes.
 *
 * Shapes chosen for the transports to come as much as for the local one:
 * - devices come and go (adb trackDevices, a USB unplug), so discovery is an event source;
 * - every command is an argv, never a shell string, so no job field can reach a shell (the adb
 *   transport quotes each element itself for the device's `sh`);
 * - a device may lose stderr and exit codes (adb shell v1): exec still returns both, separately,
 *   and the transport recovers them however its channel allows;
 * - files reach the device once: push caches by sha256, so a second job with the same model or
 *   runner binary copies nothing.
 */
import type { DeviceReport, DeviceSnapshot } from '@farm/contracts';

export type TransportKind = DeviceReport['transport'];

/** How reachable a device is: adb also knows `unauthorized` (the host key is not accepted yet). */
export type DeviceConnection = 'online' | 'offline' | 'unauthorized';

export interface DeviceListing {
  serial: string;
  connection: DeviceConnection;
}

export type DeviceEvent = { type: 'added' | 'changed'; device: DeviceListing } | { type: 'removed'; serial: string };

export interface DeviceTracking {
  /** Stops the events; the listener is not called afterwards. */
  close(): Promise<void>;
}

/** What a device is; the frameworks come from probing the runners through its transport. */
export type DeviceDescription = Omit<DeviceReport, 'frameworks'>;

/** Device state types are contracts: the same snapshot travels in results and heartbeats. */
export type { BatteryState, CoreState, DeviceSnapshot } from '@farm/contracts';

/** A per-job working directory on the device, from prepare() until cleanup(). */
export interface Workspace {
  readonly serial: string;
  /** A path on the device. */
  readonly dir: string;
}

export interface ExecOptions {
  /** The process (and whatever it started) is killed when this passes; the result says timedOut. */
  timeoutMs?: number;
  /** Aborting kills the process the same way; the result says aborted. */
  signal?: AbortSignal;
  /** CPUs to pin the process to (a list such as "1" or "0,2-3"), where the transport can. */
  cpus?: string;
  /** Each complete stdout line as it arrives (progress protocols); stdout is still returned whole. */
  onStdoutLine?: (line: string) => void;
  /** Where the process id is kept while it runs, so a restarted agent can end what its predecessor left. */
  pidFile?: string;
  /** Address-space cap (RLIMIT_AS) in bytes, where the transport can apply one (local: prlimit); inherited by what the process starts. */
  memoryLimitBytes?: number;
}

export interface ExecResult {
  /** null when the process ended by a signal (or the channel could not tell). */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

export interface PushResult {
  /** Where the file is on the device: `<cache dir>/<sha256><extension>`. */
  remotePath: string;
  /** false when the device already had it. */
  pushed: boolean;
}

export interface Transport {
  readonly kind: TransportKind;

  /** The devices reachable now. */
  devices(): Promise<DeviceListing[]>;
  /** Calls the listener with every device as `added`, then with each change until closed. */
  track(listener: (event: DeviceEvent) => void): Promise<DeviceTracking>;

  describe(serial: string): Promise<DeviceDescription>;
  snapshot(serial: string): Promise<DeviceSnapshot>;

  /** A fresh working directory for one job (or probe). */
  prepare(serial: string, label: string): Promise<Workspace>;
  /** Removes the working directory and anything the job left in it. */
  cleanup(workspace: Workspace): Promise<void>;
  /**
   * Ends what an earlier agent left running on the device (an agent killed mid-job cannot kill its
   * programs there) and removes its workspaces. Called once per device before its first job; returns
   * how many processes it ended.
   */
  reclaim?(serial: string): Promise<number>;

  /**
   * Copies a host file to the device's cache, keyed by its sha256 (computed when not given): a
   * file already there is not copied again. Cached files sit side by side in one directory, so a
   * pushed file may name another one by its base name (an int8 plan's weights file).
   */
  push(workspace: Workspace, localPath: string, sha256?: string): Promise<PushResult>;
  /**
   * Runs argv[0] with the other elements as its arguments, in the workspace. Rejects only when the
   * program could not be started at all; a non-zero exit, a signal, a timeout or an abort is a result.
   */
  exec(workspace: Workspace, argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Copies a device file (a path relative to the workspace, or absolute) to the host. */
  pull(workspace: Workspace, remotePath: string, localPath: string): Promise<void>;
}
