/**
 * Runs one benchmark in a child runner-host process, started through the local transport, and
 * turns whatever happens to it (a result, a reported error, a crash, a timeout, a cancellation)
 * into a RunnerOutput or a RunnerError the job processor can act on. This is the local
 * transport's isolation of a job: in-process engines cannot run anywhere else.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Framework, RunnerOutput } from '@farm/contracts';
import { RunnerError, type RunPhase, type RunRequest, type RunnerErrorCode } from '../runners/runner.js';
import type { RunnerSettings } from '../runners/runner-settings.js';
import { LocalTransport } from '../transports/local.transport.js';
import { HostMessageSchema, type HostRequest } from './runner-host.protocol.js';

export const RUNNER_HOST_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'runner-host.js');

export interface IsolationOptions {
  onProgress?: (phase: RunPhase, done: number, total: number) => void;
  signal?: AbortSignal;
  /** Whole-job limit, load included; the child is killed when it passes. */
  timeoutMs?: number;
  /**
   * The runner settings map, as configured. Its `cpus` pins the host (and the engines it starts,
   * which inherit it) through the local transport's taskset.
   */
  settings?: RunnerSettings;
  /** The device's transport; default: a local transport with its default root. */
  transport?: LocalTransport;
  /** Overrides for tests and packaging; default: this Node and the compiled runner-host.js next to this file. */
  nodePath?: string;
  hostScript?: string;
  /** Where the child's pid is kept while it runs, so a restarted agent can end a host its crashed predecessor left. */
  pidFile?: string;
}

/**
 * A garbage collection inside the timed loop is the platform's spread, not the engine's. The host
 * may collect on purpose just before timing (--expose-gc), and a larger young generation makes a
 * scavenge during the timed runs rarer (ONNX Runtime allocates its output tensors on every run:
 * about one scavenge per 200 BlazeFace runs with the default size).
 */
const HOST_NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=64'];

/**
 * RLIMIT_AS counts address space, not memory in use. Node with ONNX Runtime loaded peaks near
 * 1 GiB of address space before a model allocates anything, and V8 reserves (without touching)
 * about 10 GiB of guard region for each WebAssembly memory (the TFLite engine is WebAssembly).
 * So the Node host's cap is the memory limit plus these reserves; its JS heap gets the limit
 * itself, and the native runners it starts get exactly the limit (runner-host.ts).
 */
export const HOST_ADDRESS_SPACE_RESERVE_MB = 2 * 1024;
export const WASM_GUARD_RESERVE_MB = 12 * 1024;
const WASM_FRAMEWORKS: readonly Framework[] = ['tflite'];

/** The runner host's RLIMIT_AS for a memory limit, in bytes. */
export function hostAddressSpaceBytes(framework: Framework, limitMb: number): number {
  const reserve = HOST_ADDRESS_SPACE_RESERVE_MB + (WASM_FRAMEWORKS.includes(framework) ? WASM_GUARD_RESERVE_MB : 0);
  return (limitMb + reserve) * 1024 * 1024;
}

/** What the host runs; referenceModelPath (an int8 variant's fp32 model) adds `agreement` to the output. */
export type IsolatedRequest = Omit<RunRequest, 'device' | 'onProgress' | 'onFirstOutputs'> & { referenceModelPath?: string };

export async function runIsolated(framework: Framework, req: IsolatedRequest, opts: IsolationOptions = {}): Promise<RunnerOutput> {
  if (opts.signal?.aborted) throw cancelled();
  const settings = opts.settings ?? {};
  const transport = opts.transport ?? new LocalTransport();
  const workspace = await transport.prepare(transport.serial, `${framework}-host`);
  // The local transport's workspace is a directory on this host: the request file is written there.
  const requestFile = join(workspace.dir, 'request.json');
  const request: HostRequest = {
    framework,
    modelPath: req.modelPath,
    ...(req.weightsPath ? { weightsPath: req.weightsPath } : {}),
    inputs: req.inputs,
    outputs: req.outputs,
    options: req.options,
    ...(req.inputFiles ? { inputFiles: req.inputFiles } : {}),
    settings,
    transportRoot: transport.root,
    workspaceDir: workspace.dir,
    ...(req.referenceModelPath ? { referenceModelPath: req.referenceModelPath } : {}),
  };
  writeFileSync(requestFile, JSON.stringify(request));
  let result: RunnerOutput | undefined;
  let reported: RunnerError | undefined;
  const onLine = (line: string) => {
    let message;
    try {
      message = HostMessageSchema.parse(JSON.parse(line));
    } catch {
      return; // engines may print to stdout; only protocol lines count
    }
    if (message.type === 'progress') opts.onProgress?.(message.phase, message.done, message.total);
    else if (message.type === 'result') result = message.output;
    else reported = new RunnerError(message.code as RunnerErrorCode, message.message, message.permanent, message.details);
  };
  try {
    const limitMb = settings.memoryLimitMb;
    const hostArgv = [
      opts.nodePath ?? process.execPath,
      ...HOST_NODE_FLAGS,
      ...(limitMb ? [`--max-old-space-size=${limitMb}`] : []),
      opts.hostScript ?? RUNNER_HOST_SCRIPT,
      requestFile,
    ];
    let r;
    try {
      r = await transport.exec(workspace, hostArgv, {
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        cpus: settings.cpus,
        pidFile: opts.pidFile,
        onStdoutLine: onLine,
        ...(limitMb ? { memoryLimitBytes: hostAddressSpaceBytes(framework, limitMb) } : {}),
      });
    } catch (err) {
      throw RunnerError.failed(`cannot start the runner host: ${(err as Error).message}`);
    }
    if (r.timedOut) throw RunnerError.timeout(`${framework}: benchmark timed out after ${opts.timeoutMs} ms`);
    if (r.aborted) throw cancelled();
    if (result && r.exitCode === 0) return result;
    if (reported) throw reported;
    // No verdict from the host: it crashed (a native abort, the OOM killer, a segfault).
    const how = r.signal ? `was killed by ${r.signal}` : `exited with ${r.exitCode}`;
    const stderr = r.stderr.trim().slice(-8 * 1024);
    // V8's heap limit or a native bad_alloc under the memory cap says so on stderr: permanent. A bare SIGKILL (the OOM killer) stays transient.
    throw RunnerError.engine(
      'runner-process',
      `${framework}: runner process ${how} without a result${stderr ? `; stderr: ${stderr}` : ''}`,
      { stage: 'run', inputs: req.inputs, options: req.options },
      { exitCode: r.exitCode, signal: r.signal },
    );
  } finally {
    await transport.cleanup(workspace);
  }
}

function cancelled(): RunnerError {
  return RunnerError.failed('benchmark cancelled', { cancelled: true });
}
