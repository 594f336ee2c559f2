/**
 * Whether taskset (util-linux) can pin a process to a CPU list here: checked once at start-up, with
 * the other settings, so RUNNER_CPUS fails loudly then rather than on every job. Lives with the
 * transports because only transports start processes.
 */
import { spawnSync } from 'node:child_process';

/** null when `taskset --cpu-list <list> true` works; otherwise why not. */
export function tasksetProblem(list: string): string | null {
  const probe = spawnSync('taskset', ['--cpu-list', list, 'true'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return probe.error?.message ?? probe.stderr.trim();
  return null;
}

/** null when `prlimit --as=<bytes> true` works (util-linux, as taskset); otherwise why not. */
export function prlimitProblem(bytes: number): string | null {
  const probe = spawnSync('prlimit', [`--as=${bytes}`, '--', 'true'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return probe.error?.message ?? probe.stderr.trim();
  return null;
}
