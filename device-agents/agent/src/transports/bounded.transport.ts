/**
 * A transport seen through one job's limits: every exec gets the time left until the job's
 * deadline, the job's abort signal and the job's CPU pinning, whatever the runner asked for. Runners
 * stay engine adapters (build argv, parse output) and never carry a job's limits themselves; a
 * device-side timeout then kills the program on the device (the adb transport kills it by its pid).
 */
import type { DeviceEvent, DeviceTracking, ExecOptions, ExecResult, PushResult, Transport, Workspace } from './transport.js';

export interface JobLimits {
  /** Epoch ms by which every exec must have ended. */
  deadline?: number;
  signal?: AbortSignal;
  cpus?: string;
}

export class BoundedTransport implements Transport {
  readonly kind: Transport['kind'];

  constructor(
    private readonly inner: Transport,
    private readonly limits: JobLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.kind = inner.kind;
  }

  devices() {
    return this.inner.devices();
  }
  track(listener: (event: DeviceEvent) => void): Promise<DeviceTracking> {
    return this.inner.track(listener);
  }
  describe(serial: string) {
    return this.inner.describe(serial);
  }
  snapshot(serial: string) {
    return this.inner.snapshot(serial);
  }
  prepare(serial: string, label: string): Promise<Workspace> {
    return this.inner.prepare(serial, label);
  }
  cleanup(workspace: Workspace): Promise<void> {
    return this.inner.cleanup(workspace);
  }
  push(workspace: Workspace, localPath: string, sha256?: string): Promise<PushResult> {
    return this.inner.push(workspace, localPath, sha256);
  }
  pull(workspace: Workspace, remotePath: string, localPath: string): Promise<void> {
    return this.inner.pull(workspace, remotePath, localPath);
  }

  exec(workspace: Workspace, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const { deadline, signal, cpus } = this.limits;
    let timeoutMs = options.timeoutMs;
    if (deadline !== undefined) {
      const left = Math.max(1, deadline - this.now());
      timeoutMs = timeoutMs === undefined ? left : Math.min(timeoutMs, left);
    }
    return this.inner.exec(workspace, argv, {
      ...options,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(signal ? { signal: options.signal ? AbortSignal.any([signal, options.signal]) : signal } : {}),
      ...(cpus && !options.cpus ? { cpus } : {}),
    });
  }
}
