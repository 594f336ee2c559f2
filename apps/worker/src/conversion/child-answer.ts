/** The one line a conversion child prints last on stdout: its outcome, read by CappedChild's caller. */
export type ChildAnswer =
  { ok: true; report: unknown } | { ok: false; code: 'CONVERSION_FAILED' | 'CONVERSION_OUT_OF_MEMORY' | 'CALIBRATION_TOO_LARGE'; message: string };

/** The answer in a child's stdout, or null when it printed none (it crashed or was killed). */
export function readChildAnswer(stdout: string): ChildAnswer | null {
  const last = stdout.trimEnd().split('\n').pop();
  if (!last?.startsWith('{')) return null;
  try {
    const a = JSON.parse(last) as ChildAnswer;
    return typeof a === 'object' && a !== null && typeof a.ok === 'boolean' ? a : null;
  } catch {
    return null;
  }
}
