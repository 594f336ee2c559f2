/**
 * The agent's adb transport against a real adb server (Debian's `adb`, on a private port and
 * sandboxed HOME) and emulated arm64 Android devices (test and demo infrastructure): discovery and
 * tracking, describe and snapshot, the sha256 push cache, exec with exit code, separate stderr, a
 * timeout that kills the device process and argv that no shell parses, pull, and the static arm64
 * int8-runner run through it. Nothing here measures or asserts speed: emulated timings are emulation.
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DeviceReportSchema } from '@farm/contracts';
import { AdbTransport, ensureAdbServer } from '@farm/agent/transports/adb.transport';
import type { DeviceEvent, Workspace } from '@farm/agent/transports/transport';
import { EmulatedAndroidDevice } from '@farm/emulated-android';
import { startAdbServer, type AdbServer } from '../fixtures/adb-server.js';
import {
  ARM64_INT8_RUNNER as runner,
  INT8_TEST_PLANS as plans,
  arm64RunnerMissingReason,
  emulatedAndroidSkipReason,
  waitFor,
} from '../fixtures/emulated-android.js';
import { describeUnless, testUnless } from '../fixtures/skip.js';

const ADB_PORT = 5139;
const BASE_PORT = 15600;
const skip = await emulatedAndroidSkipReason();
const noRunner = arm64RunnerMissingReason();

describeUnless(skip)('adb transport: real adb server, emulated arm64 Android devices (emulation: no timing here is phone performance)', () => {
  let server: AdbServer;
  let phone: EmulatedAndroidDevice;
  let transport: AdbTransport;
  let ws: Workspace;
  /** A path inside the phone's sandbox, seen from the host. */
  const onDevice = (path: string) => join(phone.rootDir, path);

  beforeAll(async () => {
    phone = await EmulatedAndroidDevice.start({ port: BASE_PORT });
    server = await startAdbServer(ADB_PORT);
    assert.equal(await server.connect(phone.serial), 'device');
    await ensureAdbServer({ host: '127.0.0.1', port: ADB_PORT });
    transport = new AdbTransport({ host: '127.0.0.1', port: ADB_PORT });
    ws = await transport.prepare(phone.serial, 'adb transport spec');
  });

  afterAll(async () => {
    await server?.stop();
    await phone?.stop();
  });

  testUnless(false)('ensureAdbServer starts a server on a free port when none answers there', async () => {
    const port = ADB_PORT + 1;
    const env = { ...process.env, HOME: server.home, ANDROID_SDK_HOME: server.home, TMPDIR: server.home };
    await ensureAdbServer({ host: '127.0.0.1', port }, env);
    try {
      assert.deepEqual(await new AdbTransport({ host: '127.0.0.1', port }).devices(), []);
    } finally {
      execFileSync('adb', ['-P', String(port), 'kill-server'], { env });
    }
  });

  testUnless(false)('lists the connected device as online', async () => {
    expect(await transport.devices()).toContainEqual({ serial: phone.serial, connection: 'online' });
  });

  testUnless(false)('tracking reports the devices there, a device plugged in, and the same device unplugged', async () => {
    const events: DeviceEvent[] = [];
    const tracking = await transport.track((e) => events.push(e));
    try {
      await waitFor(
        () => events.some((e) => e.type === 'added' && e.device.serial === phone.serial),
        () => events,
      );
      const second = await EmulatedAndroidDevice.start({ port: BASE_PORT + 1 });
      let stopped = false;
      try {
        await server.connect(second.serial);
        await waitFor(
          () => events.some((e) => e.type !== 'removed' && e.device.serial === second.serial && e.device.connection === 'online'),
          () => events,
        );
        await second.stop();
        stopped = true;
        // Unplugged: the server drops the device or shows it offline while it tries to reconnect.
        await waitFor(
          () =>
            events.some(
              (e) =>
                (e.type === 'removed' && e.serial === second.serial) ||
                (e.type === 'changed' && e.device.serial === second.serial && e.device.connection === 'offline'),
            ),
          () => events,
        );
      } finally {
        if (!stopped) await second.stop();
        await server.adb(['disconnect', second.serial]);
      }
    } finally {
      await tracking.close();
    }
  });

  testUnless(false)('a device that never authorizes the host is listed as unauthorized', async () => {
    const locked = await EmulatedAndroidDevice.start({ port: BASE_PORT + 2, auth: 'never' });
    try {
      assert.equal(await server.connect(locked.serial), 'unauthorized');
      expect(await transport.devices()).toContainEqual({ serial: locked.serial, connection: 'unauthorized' });
    } finally {
      await server.adb(['disconnect', locked.serial]);
      await locked.stop();
    }
  });

  testUnless(false)('describe reads getprop, sysfs and meminfo, and flags the device as emulated', async () => {
    const d = await transport.describe(phone.serial);
    expect(d).toMatchObject({
      serial: phone.serial,
      name: `nn-bench-farm (emulated) Emulated arm64 phone (${phone.serial})`,
      platform: 'android',
      transport: 'adb',
      soc: 'emulated-arm64',
      cores: 8,
      abi: 'arm64-v8a',
      osVersion: 'Android 14 (SDK 34)',
      emulated: true,
      coreMaxFreqMHz: [1804.8, 1804.8, 1804.8, 1804.8, 2419.2, 2419.2, 2419.2, 2419.2],
    });
    expect(d.cpuModel).toBe('emulated-arm64 (4x 1804.8 MHz + 4x 2419.2 MHz)');
    assert.ok(d.ramBytes !== null && d.ramBytes > 1024 * 1024, String(d.ramBytes));
    // What the agent registers: the API's contract accepts it, emulated flag included.
    expect(DeviceReportSchema.parse({ ...d, frameworks: [] }).emulated).toBe(true);
  });

  testUnless(false)('snapshot reads the hottest thermal zone, dumpsys battery, and each core', async () => {
    phone.forceTemperature(71);
    phone.setBattery({ level: 42, charging: false });
    try {
      const s = await transport.snapshot(phone.serial);
      assert.equal(s.temperatureC, 71);
      expect(s.battery).toMatchObject({ levelPercent: 42, charging: false });
      assert.equal(typeof s.battery?.temperatureC, 'number');
      assert.equal(s.cores.length, 8);
      for (const c of s.cores) {
        assert.equal(c.governor, 'schedutil');
        assert.ok(c.curFreqMHz !== null && c.curFreqMHz > 0);
      }
      assert.equal(s.cores[7]!.maxFreqMHz, 2419.2);
    } finally {
      phone.forceTemperature(null);
      phone.setBattery({ level: 85, charging: true });
    }
  });

  testUnless(false)('prepare makes the job directory it runs in; cleanup removes it', async () => {
    const job = await transport.prepare(phone.serial, 'job/with spaces');
    expect(job.dir).toMatch(/^\/data\/local\/tmp\/farm\/jobs\/job_with_spaces-[0-9a-f]{8}$/);
    const pwd = await transport.exec(job, ['pwd']);
    assert.equal(pwd.stdout.trim(), job.dir);
    writeFileSync(onDevice(`${job.dir}/left-behind`), 'x');
    await transport.cleanup(job);
    assert.equal(existsSync(onDevice(job.dir)), false);
    await expect(transport.cleanup({ serial: phone.serial, dir: '/data/local/tmp/farm/jobs/../cache' })).rejects.toThrow(/not a workspace/);
  });

  testUnless(false)('push caches by sha256: a second push of the same file sends nothing', async () => {
    const local = join(server.home, 'model.onnx');
    const bytes = randomBytes(300 * 1024 + 5);
    writeFileSync(local, bytes);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const sends = phone.counts.syncSends;
    const first = await transport.push(ws, local);
    assert.deepEqual(first, { remotePath: `/data/local/tmp/farm/cache/${sha}.onnx`, pushed: true });
    assert.equal(phone.counts.syncSends, sends + 1);
    assert.ok(readFileSync(onDevice(first.remotePath)).equals(bytes));
    const second = await transport.push(ws, local, sha);
    assert.deepEqual(second, { remotePath: first.remotePath, pushed: false });
    assert.equal(phone.counts.syncSends, sends + 1);
  });

  testUnless(false)('exec returns the exit code, stdout and stderr apart, and stdout lines as they come', async () => {
    const lines: string[] = [];
    const r = await transport.exec(ws, ['sh', '-c', 'echo one; echo oops >&2; echo two; exit 3'], { onStdoutLine: (l) => lines.push(l) });
    expect(r).toEqual({ exitCode: 3, signal: null, stdout: 'one\ntwo\n', stderr: 'oops\n', timedOut: false, aborted: false });
    assert.deepEqual(lines, ['one', 'two']);
    const partial = await transport.exec(ws, ['printf', 'no newline']);
    expect(partial).toMatchObject({ exitCode: 0, stdout: 'no newline', stderr: '' });
    await expect(transport.exec(ws, ['/no/such/program'])).rejects.toThrow(/cannot start \/no\/such\/program/);
  });

  testUnless(false)('shell metacharacters in argv arrive literally and run nothing', async () => {
    const args = ['; touch /data/local/tmp/pwned', '$(touch /data/local/tmp/pwned2)', '`touch /data/local/tmp/pwned3`', "it's", '"&&|>x<', 'a\nb', '*'];
    const r = await transport.exec(ws, ['printf', '%s\\n', ...args]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, args.map((a) => `${a}\n`).join(''));
    for (const f of ['pwned', 'pwned2', 'pwned3']) assert.equal(existsSync(onDevice(`data/local/tmp/${f}`)), false, f);
    assert.equal(existsSync(onDevice(`${ws.dir}/x`)), false);
  });

  testUnless(false)('a timeout kills the process on the device', async () => {
    const r = await transport.exec(ws, ['sh', '-c', 'echo $$ > victim.pid; echo started; exec sleep 600'], { timeoutMs: 2_000 });
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGKILL', timedOut: true, aborted: false, stdout: 'started\n' });
    const pid = readFileSync(onDevice(`${ws.dir}/victim.pid`), 'utf8').trim();
    const probe = await transport.exec(ws, ['sh', '-c', 'kill -0 "$1" 2>/dev/null && echo alive || echo gone', 'probe', pid]);
    assert.equal(probe.stdout, 'gone\n');
  });

  testUnless(false)('an abort kills the process on the device the same way', async () => {
    const abort = new AbortController();
    const running = transport.exec(ws, ['sh', '-c', 'echo $$ > aborted.pid; exec sleep 600'], { signal: abort.signal });
    await waitFor(() => existsSync(onDevice(`${ws.dir}/aborted.pid`)));
    abort.abort();
    expect(await running).toMatchObject({ exitCode: null, timedOut: false, aborted: true });
    const pid = readFileSync(onDevice(`${ws.dir}/aborted.pid`), 'utf8').trim();
    const probe = await transport.exec(ws, ['sh', '-c', 'kill -0 "$1" 2>/dev/null && echo alive || echo gone', 'probe', pid]);
    assert.equal(probe.stdout, 'gone\n');
  });

  testUnless(false)('pull gives back what push sent; a missing file fails clearly', async () => {
    const local = join(server.home, 'round.bin');
    const bytes = randomBytes(200 * 1024 + 1);
    writeFileSync(local, bytes);
    const { remotePath } = await transport.push(ws, local);
    const back = join(server.home, 'round.back');
    await transport.pull(ws, remotePath, back);
    assert.ok(readFileSync(back).equals(bytes));
    await transport.exec(ws, ['sh', '-c', 'echo relative > out.txt']);
    await transport.pull(ws, 'out.txt', back);
    assert.equal(readFileSync(back, 'utf8'), 'relative\n');
    await expect(transport.pull(ws, 'no-such-file', back)).rejects.toThrow(/cannot pull .*no-such-file.*ENOENT/);
  });

  testUnless(noRunner)('the static arm64 int8-runner runs through the transport and reports JSON', async () => {
    const bin = await transport.push(ws, join(plans, 'conv_block.plan.bin'));
    // The plan names its weights by base name: the cached name, as the native-int8 runner rewrites it.
    const plan = JSON.parse(readFileSync(join(plans, 'conv_block.plan.json'), 'utf8')) as Record<string, unknown>;
    plan.bin = basename(bin.remotePath);
    const planFile = join(server.home, 'device.plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    const planRemote = (await transport.push(ws, planFile)).remotePath;
    const input = (await transport.push(ws, join(plans, 'conv_block.input.bin'))).remotePath;
    const exe = await transport.push(ws, runner);
    const sends = phone.counts.syncSends;
    assert.equal((await transport.push(ws, runner)).pushed, false);
    assert.equal(phone.counts.syncSends, sends);

    const r = await transport.exec(
      ws,
      [exe.remotePath, '--model', planRemote, '--input', `input:1x3x8x8:${input}`, '--warmup', '1', '--runs', '3', '--profile-runs', '1', '--threads', '1'],
      {
        timeoutMs: 300_000,
      },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.runner, 'int8-runner');
    assert.equal(report.isa, 'neon');
    assert.equal(report.latenciesMs.length, 3);
    assert.ok(report.layers.length > 0);

    const bad = await transport.exec(ws, [exe.remotePath, '--no-such-flag']);
    assert.equal(bad.exitCode, 3);
    assert.equal(bad.stdout, '');
    assert.equal(JSON.parse(bad.stderr).error.code, 'bad_arguments');
  });
});
