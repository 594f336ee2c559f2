/**
 * Runs a Node script in a child process with a memory cap and a time cap: the V8 heap limit
 * (--max-old-space-size) always, and the address-space limit (RLIMIT_AS, through util-linux's
 * prlimit) where prlimit exists, which also bounds what native code such as ONNX Runtime
 * allocates. On expiry of the time cap the child is killed with SIGKILL.
 */
import { execFileSync, spawn } from 'node:child_process';

export interface CappedChildOptions {
  script: string;
  args: string[];
  memoryBytes: number;
  heapMb: number;
  timeoutMs: number;
  /** Called with the child's pid once it runs (logged, so an operator can find it). */
  onSpawn?: (pid: number) => void;
}

export interface CappedChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Whether prlimit can cap a child's address space here; probed once by the caller at start-up. */
export function prlimitAvailable(): boolean {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Kept to the last bytes: a child printing without end cannot grow the worker's memory. */
const MAX_OUTPUT = 64 * 1024;

export function runCappedChild(o: CappedChildOptions, withPrlimit: boolean): Promise<CappedChildOutcome> {
  const node = [`--max-old-space-size=${o.heapMb}`, o.script, ...o.args];
  const [cmd, argv] = withPrlimit ? ['prlimit', [`--as=${o.memoryBytes}`, '--', process.execPath, ...node]] : [process.execPath, node];
  return new Promise((resolve, reject) => {
    // The IPC channel is how the child learns that the worker died (it exits on 'disconnect'), so a
    // killed worker leaves no quantization running on behind it; nothing is sent over it.
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout = (stdout + c.toString('utf8')).slice(-MAX_OUTPUT)));
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-MAX_OUTPUT)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    child.once('spawn', () => o.onSpawn?.(child.pid!));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, timedOut, stdout, stderr });
    });
  });
}
