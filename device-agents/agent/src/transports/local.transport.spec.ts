// The local transport against this machine: real processes, real files, real sysfs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { DeviceReportSchema } from '@farm/contracts';
import { LocalTransport } from './local.transport.js';
import type { DeviceEvent, Workspace } from './transport.js';

const node = process.execPath;

describe('LocalTransport', () => {
  let root: string;
  let host: string;
  let transport: LocalTransport;
  let ws: Workspace;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'farm-local-transport-'));
    host = mkdtempSync(join(tmpdir(), 'farm-local-host-'));
    transport = new LocalTransport({ root });
    ws = await transport.prepare(transport.serial, 'spec job/../x');
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(host, { recursive: true, force: true });
  });

  it('lists and tracks the desktop as one online device', async () => {
    assert.deepEqual(await transport.devices(), [{ serial: transport.serial, connection: 'online' }]);
    const events: DeviceEvent[] = [];
    const tracking = await transport.track((e) => events.push(e));
    await new Promise((r) => setImmediate(r));
    await tracking.close();
    assert.deepEqual(events, [{ type: 'added', device: { serial: transport.serial, connection: 'online' } }]);
  });

  it('describes the device as the API takes it, and snapshots its state with null for the unknown', async () => {
    const d = await transport.describe(transport.serial);
    DeviceReportSchema.parse({ ...d, frameworks: [] });
    assert.equal(d.transport, 'local');
    const s = await transport.snapshot(transport.serial);
    assert.equal(s.cores.length, d.cores);
    for (const c of s.cores) {
      assert.ok(c.governor === null || typeof c.governor === 'string');
      assert.ok(c.curFreqMHz === null || c.curFreqMHz > 0);
    }
    assert.ok(s.temperatureC === null || s.temperatureC > 0);
    assert.ok(s.battery === null || 'levelPercent' in s.battery);
    await assert.rejects(transport.snapshot('adb:someone-else'), /no device/);
  });

  it('prepares a workspace under its root from any label, and cleans up only its own', async () => {
    // The label's slashes cannot make a path of it: the workspace is one directory under jobs/.
    assert.equal(dirname(ws.dir), join(root, 'jobs'));
    const other = await transport.prepare(transport.serial, 'other');
    writeFileSync(join(other.dir, 'left.txt'), 'x');
    await transport.cleanup(other);
    assert.equal(existsSync(other.dir), false);
    await assert.rejects(transport.cleanup({ serial: transport.serial, dir: host }), /not a workspace/);
    assert.equal(existsSync(host), true);
  });

  it('pushes a file once, keyed by sha256 and keeping its extension and mode', async () => {
    const script = join(host, 'tool.sh');
    writeFileSync(script, '#!/bin/sh\necho pushed-tool\n', { mode: 0o755 });
    const first = await transport.push(ws, script);
    assert.equal(first.pushed, true);
    assert.match(first.remotePath, /\/cache\/[0-9a-f]{64}\.sh$/);
    assert.equal(statSync(first.remotePath).mode & 0o111, 0o111);
    const again = await transport.push(ws, script);
    assert.deepEqual(again, { remotePath: first.remotePath, pushed: false });
    const r = await transport.exec(ws, [first.remotePath]);
    assert.equal(r.stdout, 'pushed-tool\n');
    await assert.rejects(transport.push(ws, script, 'not-a-hash'), /not a sha256/);
  });

  it('runs an argv without a shell: metacharacters arrive as plain arguments', async () => {
    const hostile = ['$(touch pwned)', '; rm -rf .', '`id`', 'a\'b"c', '*'];
    const r = await transport.exec(ws, [node, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...hostile]);
    assert.equal(r.exitCode, 0);
    assert.deepEqual(JSON.parse(r.stdout), hostile);
    assert.equal(existsSync(join(ws.dir, 'pwned')), false);
  });

  it('keeps stdout and stderr apart, returns the exit code, streams stdout lines, and runs in the workspace', async () => {
    const lines: string[] = [];
    const r = await transport.exec(ws, [node, '-e', "console.log('one'); console.error('oops'); console.log(process.cwd()); process.exit(7)"], {
      onStdoutLine: (l) => lines.push(l),
    });
    assert.equal(r.exitCode, 7);
    assert.equal(r.signal, null);
    assert.equal(r.stdout, `one\n${ws.dir}\n`);
    assert.equal(r.stderr, 'oops\n');
    assert.deepEqual(lines, ['one', ws.dir]);
    assert.equal(r.timedOut || r.aborted, false);
  });

  it('kills the process and what it started on timeout and on abort', async () => {
    // The child starts a grandchild that would write a file after 3 s, then waits forever.
    const marker = join(ws.dir, 'grandchild-survived');
    const grandchild = join(host, 'grandchild.cjs');
    writeFileSync(grandchild, `setTimeout(() => require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'), 3000);`);
    const code = `require('child_process').spawn(process.execPath, [${JSON.stringify(grandchild)}], { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
    const timed = await transport.exec(ws, [node, '-e', code], { timeoutMs: 1500 });
    assert.equal(timed.timedOut, true);
    assert.equal(timed.signal, 'SIGKILL');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 1500);
    const aborted = await transport.exec(ws, [node, '-e', code], { signal: ac.signal });
    assert.equal(aborted.aborted, true);
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(existsSync(marker), false, 'a grandchild outlived the kill');
  });

  it('pins to the given CPUs with taskset, and keeps the pid file only while the process runs', async () => {
    const pidFile = join(host, 'runner.pid');
    const r = await transport.exec(
      ws,
      [
        node,
        '-e',
        `const fs = require('fs'); process.stdout.write(/Cpus_allowed_list:\\s*(\\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1] + ' ' + fs.readFileSync(${JSON.stringify(pidFile)}, 'utf8') + ' ' + process.pid)`,
      ],
      { cpus: '0', pidFile },
    );
    const [cpus, recorded, pid] = r.stdout.split(' ');
    assert.equal(cpus, '0');
    assert.equal(recorded, pid, 'the pid file names the program itself, not taskset');
    assert.equal(existsSync(pidFile), false);
  });

  it('rejects only a program that cannot start', async () => {
    await assert.rejects(transport.exec(ws, [join(host, 'no-such-program')]), /cannot start/);
  });

  it('pulls a file from the workspace', async () => {
    await transport.exec(ws, [node, '-e', "require('fs').writeFileSync('out.bin', Buffer.from([1, 2, 3]))"]);
    const dest = join(host, 'pulled.bin');
    await transport.pull(ws, 'out.bin', dest);
    assert.deepEqual([...readFileSync(dest)], [1, 2, 3]);
  });
});
