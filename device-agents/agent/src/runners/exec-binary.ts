/**
 * Runs one of our native runner binaries (opencv_runner, int8-runner) to completion. A non-zero
 * exit or a signal is returned, not thrown, because those runners report their own errors as a
 * JSON line on stderr that the caller turns into the right RunnerError; only a binary that could
 * not be started at all (ENOENT, EACCES) rejects.
 */
import { execFile } from 'node:child_process';

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function execBinary(binary: string, argv: string[], timeoutMs?: number): Promise<ExecResult> {
  return new Promise((done, fail) => {
    execFile(binary, argv, { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err && typeof err.code === 'string') return fail(err); // spawn failure (ENOENT, EACCES), not an exit status
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      done({ code, signal: (err?.signal as NodeJS.Signals | undefined) ?? null, stdout, stderr });
    });
  });
}
