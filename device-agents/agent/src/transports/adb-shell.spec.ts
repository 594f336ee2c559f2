/** The adb transport's device command lines: quoting, the exec wrapper's output format, and the probes' parsers. */
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpuMask, parseDumpsysBattery, parseExecOutput, parseGetprop, shQuote, wrapExec } from './adb-shell.js';

describe('adb shell command lines', () => {
  test('shQuote keeps every word literal for sh, quotes included', () => {
    const words = ["it's", '; rm -rf /', '$(id)', '`id`', '"\\', 'a\nb', '*', ''];
    const out = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(shQuote).join(' ')}`]).toString();
    expect(out).toBe(words.map((w) => `${w}\n`).join(''));
    expect(() => shQuote('a\0b')).toThrow(/NUL/);
  });

  test('cpuMask turns a CPU list into taskset hex', () => {
    expect(cpuMask('0')).toBe('1');
    expect(cpuMask('4-7')).toBe('f0');
    expect(cpuMask('0,2-3')).toBe('d');
    expect(() => cpuMask('3-1')).toThrow();
    expect(() => cpuMask('1;id')).toThrow();
  });

  test('the exec wrapper, run by a real sh, reports stdout, exit status and stderr apart', () => {
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    const w = wrapExec(dir, ['sh', '-c', 'printf out; echo err >&2; exit 5'], undefined);
    const parsed = parseExecOutput(execFileSync('sh', ['-c', w.command]).toString(), w.marker);
    expect(parsed).toEqual({ stdout: 'out', stderr: 'err\n', status: 5 });
    expect(execFileSync('ls', ['-A', dir]).toString()).toBe('');
  });

  test('an output cut off before the marker has no status', () => {
    expect(parseExecOutput('partial', '__M__')).toEqual({ stdout: 'partial', stderr: '', status: null });
  });

  test('getprop and dumpsys battery parse as Android prints them', () => {
    expect(parseGetprop('[ro.a]: [x y]\r\n[ro.b]: []\n')).toEqual({ 'ro.a': 'x y', 'ro.b': '' });
    const battery = ['Current Battery Service state:', '  AC powered: false', '  USB powered: true', '  status: 2', '  level: 57', '  temperature: 312'];
    expect(parseDumpsysBattery(battery)).toEqual({ levelPercent: 57, temperatureC: 31.2, charging: true });
    expect(parseDumpsysBattery(['  status: 3', '  level: 9'])).toEqual({ levelPercent: 9, temperatureC: null, charging: false });
    expect(parseDumpsysBattery(["Can't find service: battery"])).toBeNull();
  });
});
