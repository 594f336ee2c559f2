/**
 * Runs one benchmark in a child runner-host process and turns whatever happens to it (a result,
 * a reported error, a crash, a timeout, a cancellation) into a RunnerOutput or a RunnerError the
 * job processor can act on.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Framework, RunnerOutput } from '@farm/contracts';
import { RunnerError, type RunPhase, type RunRequest, type RunnerErrorCode } from './runner.js';
import { HostMessageSchema, type HostRequest } from './runner-host.protocol.js';

export const RUNNER_HOST_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'runner-host.js');

export interface IsolationOptions {
  onProgress?: (phase: RunPhase, done: number, total: number) => void;
  signal?: AbortSignal;
  /** Whole-job limit, load included; the child is killed when it passes. */
  timeoutMs?: number;
  opencvRunnerBinary?: string;
  int8RunnerBinary?: string;
  /** Overrides for tests and packaging; default: this Node and the compiled runner-host.js next to this file. */
  nodePath?: string;
  hostScript?: string;
  /** Where the child's pid is kept while it runs, so a restarted agent can end a host its crashed predecessor left. */
  pidFile?: string;
  /**
   * CPU list to pin the host (and the engines it starts, which inherit it) to. taskset execs the
   * host in place, so the pid, the process group and the pidfile stay the host's own.
   */
  cpus?: string;
}

/** Kills the process group recorded in pidFile, if any: left over when the agent itself was killed mid-job. */
export function killStaleRunner(pidFile: string): number | null {
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

const STDERR_KEEP = 8 * 1024;

/**
 * A garbage collection inside the timed loop is the platform's spread, not the engine's. The host
 * may collect on purpose just before timing (--expose-gc), and a larger young generation makes a
 * scavenge during the timed runs rarer (ONNX Runtime allocates its output tensors on every run:
 * about one scavenge per 200 BlazeFace runs with the default size).
 */
const HOST_NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=64'];

/** What the host runs; referenceModelPath (an int8 variant's fp32 model) adds `agreement` to the output. */
export type IsolatedRequest = Omit<RunRequest, 'onProgress' | 'onFirstOutputs'> & { referenceModelPath?: string };

export async function runIsolated(framework: Framework, req: IsolatedRequest, opts: IsolationOptions = {}): Promise<RunnerOutput> {
  if (opts.signal?.aborted) throw cancelled();
  const dir = mkdtempSync(join(tmpdir(), 'farm-job-'));
  const requestFile = join(dir, 'request.json');
  const request: HostRequest = {
    framework,
    modelPath: req.modelPath,
    inputs: req.inputs,
    outputs: req.outputs,
    options: req.options,
    ...(opts.opencvRunnerBinary ? { opencvRunnerBinary: opts.opencvRunnerBinary } : {}),
    ...(opts.int8RunnerBinary ? { int8RunnerBinary: opts.int8RunnerBinary } : {}),
    ...(req.referenceModelPath ? { referenceModelPath: req.referenceModelPath } : {}),
  };
  writeFileSync(requestFile, JSON.stringify(request));
  try {
    return await new Promise<RunnerOutput>((resolve, reject) => {
      // Own process group, so a timeout or cancel also ends the engine's children (opencv_runner).
      const hostArgv = [opts.nodePath ?? process.execPath, ...HOST_NODE_FLAGS, opts.hostScript ?? RUNNER_HOST_SCRIPT, requestFile];
      const [command, ...args] = opts.cpus ? ['taskset', '--cpu-list', opts.cpus, ...hostArgv] : hostArgv;
      const child = spawn(command!, args, {
        // stdin stays open and unused: when the agent dies (even by SIGKILL) the host sees EOF and ends its group.
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      if (opts.pidFile && child.pid) writeFileSync(opts.pidFile, String(child.pid));
      let stderr = '';
      let result: RunnerOutput | undefined;
      let reported: RunnerError | undefined;
      let stopped: RunnerError | undefined;

      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      };
      const stop = (reason: RunnerError) => {
        stopped ??= reason;
        killGroup();
      };
      const timer = opts.timeoutMs
        ? setTimeout(() => stop(RunnerError.failed(`${framework}: benchmark timed out after ${opts.timeoutMs} ms`, { timeout: true })), opts.timeoutMs)
        : undefined;
      const onAbort = () => stop(cancelled());
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_KEEP);
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        let message;
        try {
          message = HostMessageSchema.parse(JSON.parse(line));
        } catch {
          return; // engines may print to stdout; only protocol lines count
        }
        if (message.type === 'progress') opts.onProgress?.(message.phase, message.done, message.total);
        else if (message.type === 'result') result = message.output;
        else reported = new RunnerError(message.code as RunnerErrorCode, message.message, message.permanent, message.details);
      });

      child.on('error', (err) => {
        stop(RunnerError.failed(`cannot start the runner host: ${err.message}`));
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (opts.pidFile) rmSync(opts.pidFile, { force: true });
        opts.signal?.removeEventListener('abort', onAbort);
        if (stopped) return reject(stopped);
        if (result && code === 0) return resolve(result);
        if (reported) return reject(reported);
        // No verdict from the host: it crashed (a native abort, the OOM killer, a segfault).
        const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
        reject(
          RunnerError.failed(`${framework}: runner process ${how} without a result${stderr ? `; stderr: ${stderr.trim()}` : ''}`, { exitCode: code, signal }),
        );
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cancelled(): RunnerError {
  return RunnerError.failed('benchmark cancelled', { cancelled: true });
}
