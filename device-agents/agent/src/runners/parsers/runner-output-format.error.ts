/**
 * What the on-device runner parsers share: one error that names the tool and what its output
 * lacked, line splitting, strict numbers (never a silent NaN) and removal of the logcat prefix,
 * since on Android the same lines may be read from `adb logcat` rather than from the process.
 */
import { RunnerError } from '../runner.js';

export class RunnerOutputFormatError extends RunnerError {
  constructor(
    readonly tool: string,
    readonly missing: string,
    lines: readonly string[] = [],
  ) {
    const tail = lines.filter((l) => l.trim() !== '').slice(-3);
    super(
      'RUNNER_FAILED',
      `${tool} output: ${missing}${tail.length ? `; its last lines: ${tail.map((l) => JSON.stringify(l.trim())).join(' | ')}` : ''}`,
      false,
      {
        tool,
        missing,
      },
    );
    this.name = 'RunnerOutputFormatError';
  }
}

export function outputLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/** A field the tool printed as a number; anything else (empty, "nan", "inf") is a format error. */
export function toNumber(raw: string | undefined, tool: string, field: string): number {
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(n)) throw new RunnerOutputFormatError(tool, `${field} is not a number: ${JSON.stringify(raw ?? null)}`);
  return n;
}

// `adb logcat` formats: threadtime (the default, "07-14 13:14:52.190 22838 22838 I tflite  : "),
// time ("07-14 13:14:52.190 I/tflite  (22838): ") and brief ("I/tflite  (22838): "), with or without the year.
const LOGCAT_PREFIX = [
  /^(?:\d{4}-)?\d{2}-\d{2}\s+\d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+\d+\s+[VDIWEFS]\s+[^:]*?: /,
  /^(?:(?:\d{4}-)?\d{2}-\d{2}\s+\d{2}:\d{2}:\d{2}\.\d+\s+)?[VDIWEFS]\/[^(]*\(\s*\d+\): /,
];

export function stripLogcatPrefix(line: string): string {
  for (const re of LOGCAT_PREFIX) {
    const m = re.exec(line);
    if (m) return line.slice(m[0].length);
  }
  return line;
}
