/**
 * The device-side command lines of the adb transport, and the parsing of what they print. Kept
 * apart from the transport so the one place where host data meets a device shell is small and
 * unit-tested.
 *
 * adbkit speaks only shell v1: stdout and stderr arrive merged on one stream and the exit code is
 * lost. A command is therefore wrapped so the device itself reports both:
 *
 *     cd 'WS' && { printf '%s' 'prog' >'WS/.exec-ID.argv0'; 'prog' 'arg'... 2>'WS/.exec-ID.err' </dev/null & echo $! >'WS/.exec-ID.pid';
 *                  exec 2>/dev/null; wait $!; printf '\nMARK:%d\n' $?; cat 'WS/.exec-ID.err'; rm -f ...; }
 *
 * - every argv element is single-quoted (a `'` inside becomes `'\''`), so nothing a job carries is
 *   ever parsed by the shell: argv is data;
 * - the program runs in the background so its pid is on the device, in a file, for a timeout or an
 *   abort to kill it from a second shell; `wait` still gives its exit status (the shell's own notices,
 *   such as "Killed", go to /dev/null, not into the program's stdout);
 * - the program's path is kept beside its pid, so an agent restarted after a crash kills that pid only
 *   while it is still that program (reclaimCommand), never a process that reused the number;
 * - stdout streams as usual; a per-exec random marker (MARK) ends it, followed by the exit status;
 *   stderr, kept in a file meanwhile, follows the marker. One round trip, no second shell.
 */
import { randomBytes } from 'node:crypto';

/** Quotes one word for a POSIX `sh`: single quotes keep every byte literal except `'` itself. */
export function shQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a NUL byte cannot be passed to a device command');
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A CPU list ("0,2-3") as the hex mask taskset takes on every Android (toybox) and busybox. */
export function cpuMask(list: string): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(list)) throw new Error(`not a CPU list: ${list}`);
  let mask = 0n;
  for (const part of list.split(',')) {
    const [a, b = a] = part.split('-').map(Number) as [number, number?];
    if (b < a || b > 255) throw new Error(`bad CPU range ${part}`);
    for (let c = a; c <= b; c++) mask |= 1n << BigInt(c);
  }
  return mask.toString(16);
}

export interface WrappedCommand {
  /** The whole device command line; every part that came from a caller is quoted. */
  command: string;
  marker: string;
  /** Device path of the file holding the program's pid while it runs. */
  pidFile: string;
}

/** Builds the wrapped command for argv run in dir (see the module comment). */
export function wrapExec(dir: string, argv: readonly string[], cpus?: string): WrappedCommand {
  if (argv.length === 0) throw new Error('exec needs a program');
  const id = randomBytes(6).toString('hex');
  const marker = `__FARM_EXIT_${id}__`;
  const base = `${dir}/.exec-${id}`;
  const pidFile = `${base}.pid`;
  const err = shQuote(`${base}.err`);
  const pid = shQuote(pidFile);
  const argv0 = shQuote(`${base}.argv0`);
  const program = [...(cpus ? ['taskset', cpuMask(cpus)] : []), ...argv].map(shQuote).join(' ');
  const command =
    `cd ${shQuote(dir)} && { printf '%s' ${shQuote(argv[0]!)} >${argv0}; ${program} 2>${err} </dev/null & echo $! >${pid}; exec 2>/dev/null; wait $!; ` +
    `printf '\\n${marker}:%d\\n' $?; cat ${err}; rm -f ${err} ${pid} ${argv0}; }`;
  return { command, marker, pidFile };
}

/** The command a second shell runs to kill a wrapped program: waits briefly for its pid file (a very early timeout). */
export function killCommand(pidFile: string): string {
  const f = shQuote(pidFile);
  return `i=0; while [ ! -s ${f} ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; [ -s ${f} ] && kill -9 $(cat ${f})`;
}

/**
 * Kills what wrapped commands left running under jobsDir (their agent died), then removes jobsDir.
 * A pid is killed only when one of its command-line words is exactly the program path recorded
 * beside it (under qemu-binfmt the path is the second word): a reused pid is left alone. Prints
 * "@killed PID" per kill and "@done" at the end.
 */
export function reclaimCommand(jobsDir: string): string {
  const jobs = shQuote(jobsDir);
  return (
    `for f in ${jobs}/*/.exec-*.pid; do [ -s "$f" ] || continue; p=$(cat "$f"); a="\${f%.pid}.argv0"; [ -s "$a" ] || continue; ` +
    `if tr '\\0' '\\n' </proc/"$p"/cmdline 2>/dev/null | grep -qxF -f "$a"; then kill -9 "$p" 2>/dev/null && echo "@killed $p"; fi; done; ` +
    `rm -rf ${jobs}; echo @done`
  );
}

export interface ParsedExec {
  stdout: string;
  stderr: string;
  /** null when the marker never came: the shell was cut off (device gone, stream closed). */
  status: number | null;
}

/** Splits a wrapped command's output into stdout, exit status and stderr. */
export function parseExecOutput(output: string, marker: string): ParsedExec {
  const at = output.lastIndexOf(`\n${marker}:`);
  if (at < 0) return { stdout: output, stderr: '', status: null };
  const rest = output.slice(at + marker.length + 2);
  const m = /^(\d+)\n/.exec(rest);
  if (!m) return { stdout: output.slice(0, at), stderr: '', status: null };
  return { stdout: output.slice(0, at), status: Number(m[1]), stderr: rest.slice(m[0].length) };
}

/** `getprop` with no argument: "[key]: [value]" lines. */
export function parseGetprop(text: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const m of text.matchAll(/^\[([^\]]+)\]: \[([^\n]*)\]\r?$/gm)) props[m[1]!] = m[2]!;
  return props;
}

/** Sections of a probe script's output, each started by a line "@name". */
export function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^@([a-z]+)$/.exec(line);
    if (m) out.set(m[1]!, (current = []));
    else if (current && line !== '') current.push(line);
  }
  return out;
}

export interface BatteryReading {
  levelPercent: number | null;
  temperatureC: number | null;
  charging: boolean | null;
}

/** `dumpsys battery`: level, temperature (tenths of a degree) and charging (status 2 charging, 5 full). */
export function parseDumpsysBattery(lines: string[]): BatteryReading | null {
  const field = (name: string) => {
    const line = lines.find((l) => l.trimStart().startsWith(`${name}:`));
    return line ? line.slice(line.indexOf(':') + 1).trim() : null;
  };
  const num = (name: string) => {
    const v = field(name);
    return v === null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v);
  };
  const level = num('level');
  const temp = num('temperature');
  const status = num('status');
  if (level === null && temp === null && status === null) return null;
  const powered = ['AC powered', 'USB powered', 'Wireless powered'].map(field).filter((v) => v !== null);
  const charging = status === 2 || status === 5 ? true : status === 3 || status === 4 ? false : powered.length ? powered.includes('true') : null;
  return { levelPercent: level, temperatureC: temp === null ? null : temp / 10, charging };
}
