/**
 * Emulated arm64 Android devices (test and demo infrastructure) driven by the real adb CLI and a
 * real adb server: connection and state, getprop, push and pull, the static arm64 int8-runner run
 * under qemu from `adb shell`, the emulated sysfs (thermal, cpufreq, battery), an unauthorized
 * device, and two devices at once. Nothing here measures or asserts speed: timings on an emulated
 * device are emulation.
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

const ADB_PORT = 5137;
const BASE_PORT = 15555;
const skip = await emulatedAndroidSkipReason();
const noRunner = arm64RunnerMissingReason();

/** Splits the marker line a wrapped command prints last, as the adb transport must with shell v1 (no exit code). */
function exitCodeOf(output: string): { code: number; body: string } {
  const m = /\nexit:(\d+)\n$/.exec(`\n${output}`);
  assert.ok(m, `no exit marker in ${JSON.stringify(output)}`);
  return { code: Number(m[1]), body: `\n${output}`.slice(1, m.index + 1) };
}

describeUnless(skip)('emulated arm64 Android device through the real adb server (emulation: no timing here is phone performance)', () => {
  let server: AdbServer;
  let phone: EmulatedAndroidDevice;
  let tmp: string;

  const shell = async (serial: string, command: string) => {
    const r = await server.adb(['-s', serial, 'shell', command]);
    assert.equal(r.code, 0, `adb shell failed: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    // Short thermal constants, so "warms with work, cools at rest" shows within seconds.
    phone = await EmulatedAndroidDevice.start({ port: BASE_PORT, thermal: { riseMs: 1_000, fallMs: 1_000 } });
    server = await startAdbServer(ADB_PORT);
    tmp = server.home;
    assert.equal(await server.connect(phone.serial), 'device');
  });

  afterAll(async () => {
    await server?.stop();
    await phone?.stop();
  });

  testUnless(false)('adb devices -l lists it as a device with its product, model and device names', async () => {
    const { stdout } = await server.adb(['devices', '-l']);
    const line = stdout.split('\n').find((l) => l.startsWith(`${phone.serial} `));
    assert.ok(line, stdout);
    expect(line).toMatch(/\sdevice\s/);
    expect(line).toContain('model:Emulated_arm64_phone');
    expect(line).toContain(`product:${phone.profile.name}`);
    assert.equal(phone.emulated, true);
  });

  testUnless(false)('getprop answers the properties the agent describes a phone with, and flags the device as emulated', async () => {
    assert.equal((await shell(phone.serial, 'getprop ro.product.model')).trim(), 'Emulated arm64 phone');
    const all = await shell(phone.serial, 'getprop');
    for (const [key, value] of [
      ['ro.product.cpu.abilist', 'arm64-v8a'],
      ['ro.farm.emulated', '1'],
      ['ro.boot.qemu', '1'],
      ['ro.build.version.sdk', '34'],
      ['ro.soc.model', 'emulated-arm64'],
      ['ro.board.platform', 'qemu'],
      ['ro.hardware', 'ranchu'],
    ]) {
      expect(all).toContain(`[${key}]: [${value}]`);
    }
    assert.equal((await shell(phone.serial, 'getprop no.such.prop fallback')).trim(), 'fallback');
  });

  testUnless(false)('push then pull gives back the same bytes, and each push is one counted sync SEND', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(tmp, 'blob.bin'), bytes);
    const before = phone.counts.syncSends;
    const push = await server.adb(['-s', phone.serial, 'push', join(tmp, 'blob.bin'), '/data/local/tmp/blob.bin']);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(phone.counts.syncSends, before + 1);
    const pull = await server.adb(['-s', phone.serial, 'pull', '/data/local/tmp/blob.bin', join(tmp, 'blob.back')]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.ok(readFileSync(join(tmp, 'blob.back')).equals(bytes));
    assert.equal((await shell(phone.serial, 'stat -c %s /data/local/tmp/blob.bin')).trim(), String(bytes.length));
    const missing = await server.adb(['-s', phone.serial, 'pull', '/data/local/tmp/none', join(tmp, 'none')]);
    assert.notEqual(missing.code, 0);
  });

  testUnless(noRunner)('the static arm64 int8-runner pushed with adb runs from adb shell, with its exit code and JSON report', async () => {
    // e_machine 0xb7: the binary really is aarch64, so it can only run through qemu in the device's binfmt_misc.
    assert.equal(readFileSync(runner).readUInt16LE(18), 0xb7);
    for (const [src, dst] of [
      [runner, 'int8-runner'],
      [join(plans, 'conv_block.plan.json'), 'conv_block.plan.json'],
      [join(plans, 'conv_block.plan.bin'), 'conv_block.plan.bin'],
      [join(plans, 'conv_block.input.bin'), 'conv_block.input.bin'],
    ]) {
      const r = await server.adb(['-s', phone.serial, 'push', src!, `/data/local/tmp/${dst}`]);
      assert.equal(r.code, 0, r.stderr);
    }
    const ok = exitCodeOf(
      await shell(
        phone.serial,
        'cd /data/local/tmp && ./int8-runner --model conv_block.plan.json --input input:1x8x8x3:conv_block.input.bin --warmup 1 --runs 3 --profile-runs 1 --threads 1; echo "exit:$?"',
      ),
    );
    assert.equal(ok.code, 0, ok.body);
    const report = JSON.parse(ok.body);
    assert.equal(report.runner, 'int8-runner');
    assert.equal(report.isa, 'neon');
    assert.equal(report.latenciesMs.length, 3);
    assert.ok(report.layers.length > 0);

    const bad = exitCodeOf(await shell(phone.serial, '/data/local/tmp/int8-runner --no-such-flag 2>&1; echo "exit:$?"'));
    assert.equal(bad.code, 3);
    assert.equal(JSON.parse(bad.body).error.code, 'bad_arguments');
  });

  testUnless(false)('/proc/cpuinfo, cpufreq and dumpsys battery read as on an arm64 phone', async () => {
    const cpuinfo = await shell(phone.serial, 'cat /proc/cpuinfo');
    assert.equal(cpuinfo.match(/^processor\t: \d+$/gm)?.length, 8);
    expect(cpuinfo).toContain('CPU implementer\t: 0x41');
    assert.equal((await shell(phone.serial, 'cat /sys/devices/system/cpu/cpu7/cpufreq/cpuinfo_max_freq')).trim(), '2419200');
    assert.equal((await shell(phone.serial, 'cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor')).trim(), 'schedutil');
    // The shell reading it is itself work: the core runs at its top frequency meanwhile.
    assert.equal((await shell(phone.serial, 'cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq')).trim(), '1804800');
    phone.setBattery({ level: 42, charging: false });
    const battery = await shell(phone.serial, 'dumpsys battery');
    expect(battery).toMatch(/^Current Battery Service state:$/m);
    expect(battery).toMatch(/^ {2}level: 42$/m);
    expect(battery).toMatch(/^ {2}USB powered: false$/m);
    expect(battery).toMatch(/^ {2}temperature: \d+$/m);
  });

  testUnless(false)('thermal zones warm with work, cool at rest, and a test can force them hot', async () => {
    const readZone = async () => Number((await shell(phone.serial, 'cat /sys/class/thermal/thermal_zone0/temp')).trim());
    const types = await shell(phone.serial, 'cat /sys/class/thermal/thermal_zone*/type');
    expect(types.split('\n')).toContain('battery');

    phone.forceTemperature(85);
    assert.equal(await readZone(), 85_000);
    phone.forceTemperature(null);

    // Cool down to near ambient, then work for two seconds and read the zone from inside that work.
    // The waits watch the model from the host: a shell polling the zone is itself work, and on a
    // loaded host its slow commands would keep the device warm.
    await waitFor(
      async () => phone.temperatureC < 35,
      () => phone.temperatureC,
      120_000,
    );
    const rest = phone.temperatureC;
    const loaded = Number((await shell(phone.serial, 'sleep 2; cat /sys/class/thermal/thermal_zone0/temp')).trim());
    assert.ok(loaded > rest * 1000 + 5_000, `warm ${loaded} vs rest ${rest}`);
    await waitFor(
      async () => phone.temperatureC * 1000 < loaded - 5_000,
      () => phone.temperatureC,
      120_000,
    );
    // And the zone the device shows follows the model.
    assert.ok((await readZone()) < loaded);
  });

  testUnless(false)('ending adb shell on the host kills the command on the device', async () => {
    const client = server.spawnAdb(['-s', phone.serial, 'shell', 'echo started; sleep 600']);
    await new Promise<void>((resolve) => client.stdout!.on('data', (c: Buffer) => c.toString().includes('started') && resolve()));
    assert.equal(phone.runningCommands, 1);
    client.kill('SIGKILL');
    await waitFor(async () => phone.runningCommands === 0);
  });

  testUnless(false)('an emulated device that never authorizes the host shows as unauthorized', async () => {
    const locked = await EmulatedAndroidDevice.start({ port: BASE_PORT + 1, auth: 'never' });
    try {
      assert.equal(await server.connect(locked.serial), 'unauthorized');
      const r = await server.adb(['-s', locked.serial, 'shell', 'echo hi']);
      assert.notEqual(r.code, 0);
      assert.equal(locked.counts.shellCommands, 0);
    } finally {
      await server.adb(['disconnect', locked.serial]);
      await locked.stop();
    }
  });

  testUnless(false)('a device that accepts the host key keeps trusting it: the next connection passes by signature', async () => {
    const dir = join(tmp, 'accepting-phone');
    const accepting = await EmulatedAndroidDevice.start({ port: BASE_PORT + 2, auth: 'accept', dir });
    try {
      assert.equal(await server.connect(accepting.serial), 'device');
      const keys = readFileSync(join(accepting.rootDir, 'data/misc/adb/adb_keys'), 'utf8').trim().split('\n');
      assert.equal(keys.length, 1);
      await server.adb(['disconnect', accepting.serial]);
      assert.equal(await server.connect(accepting.serial), 'device');
      // Trusted by signature: the host offered no second public key.
      assert.equal(readFileSync(join(accepting.rootDir, 'data/misc/adb/adb_keys'), 'utf8').trim().split('\n').length, 1);
      assert.equal((await shell(accepting.serial, 'echo ok')).trim(), 'ok');
    } finally {
      await server.adb(['disconnect', accepting.serial]);
      await accepting.stop();
    }
  });

  testUnless(false)('two emulated devices at once, each with its own sandbox', async () => {
    const second = await EmulatedAndroidDevice.start({ port: BASE_PORT + 3, profile: { name: 'farm_emulated_second' } });
    try {
      assert.equal(await server.connect(second.serial), 'device');
      await Promise.all([shell(phone.serial, 'echo one > /data/local/tmp/which'), shell(second.serial, 'echo two > /data/local/tmp/which')]);
      const [a, b] = await Promise.all([shell(phone.serial, 'cat /data/local/tmp/which'), shell(second.serial, 'cat /data/local/tmp/which')]);
      assert.deepEqual([a.trim(), b.trim()], ['one', 'two']);
      const { stdout } = await server.adb(['devices', '-l']);
      expect(stdout).toContain('product:farm_emulated_second');
      expect(stdout).toContain(`product:${phone.profile.name}`);
    } finally {
      await server.adb(['disconnect', second.serial]);
      await second.stop();
    }
  });
});
