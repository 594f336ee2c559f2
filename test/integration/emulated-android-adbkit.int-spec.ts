/**
 * The client the agent's adb transport uses, @devicefarmer/adbkit, against a real adb server and
 * an emulated arm64 Android device (test and demo infrastructure): listDevices, shell (v1: stdout
 * and stderr merged, no exit code, so the command is wrapped to report its own), getProperties,
 * push and pull. Known adbkit quirks (ENVIRONMENT.md) are worked around the way the transport must.
 */
import { afterAll, beforeAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import adbkit, { type Client, type DeviceClient } from '@devicefarmer/adbkit';
import { EmulatedAndroidDevice } from '@farm/emulated-android';
import { startAdbServer, type AdbServer } from '../fixtures/adb-server.js';
import { emulatedAndroidSkipReason } from '../fixtures/emulated-android.js';
import { describeUnless, testUnless } from '../fixtures/skip.js';

// adbkit is CommonJS: under Node's ESM loader only its module.exports (the default import) carries Adb.
const { Adb } = adbkit;
const ADB_PORT = 5138;
const BASE_PORT = 15565;

const skip = await emulatedAndroidSkipReason();

describeUnless(skip)('adbkit against the real adb server and an emulated arm64 Android device (emulation: no timing here is phone performance)', () => {
  let server: AdbServer;
  let phones: EmulatedAndroidDevice[];
  let client: Client;
  let device: DeviceClient;

  /** Runs `command` through shell v1 and recovers its exit code from a marker line it prints last. */
  const run = async (command: string): Promise<{ code: number; output: string }> => {
    const stream = await device.shell(`${command}; echo "exit:$?"`);
    const text = (await Adb.util.readAll(stream)).toString('utf8');
    const m = /(?:^|\n)exit:(\d+)\n$/.exec(text);
    assert.ok(m, `no exit marker in ${JSON.stringify(text)}`);
    return { code: Number(m[1]), output: text.slice(0, m.index + (m[0].startsWith('\n') ? 1 : 0)) };
  };

  beforeAll(async () => {
    phones = [await EmulatedAndroidDevice.start({ port: BASE_PORT }), await EmulatedAndroidDevice.start({ port: BASE_PORT + 1 })];
    server = await startAdbServer(ADB_PORT);
    for (const p of phones) assert.equal(await server.connect(p.serial), 'device');
    client = Adb.createClient({ host: '127.0.0.1', port: ADB_PORT });
    // getSerialNo() answers "unknown" for TCP devices: the transport keeps the serial it connected to.
    device = client.getDevice(phones[0]!.serial);
  });

  afterAll(async () => {
    await server?.stop();
    for (const p of phones ?? []) await p.stop();
  });

  testUnless(false)('listDevices lists both emulated devices as device', async () => {
    const listed = await client.listDevices();
    for (const p of phones) assert.deepEqual(listed.find((d) => d.id === p.serial)?.type, 'device');
  });

  testUnless(false)('getProperties reads the emulated flag, model and ABI list', async () => {
    const props = await device.getProperties();
    assert.equal(props['ro.farm.emulated'], '1');
    assert.equal(props['ro.product.model'], 'Emulated arm64 phone');
    assert.equal(props['ro.product.cpu.abilist'], 'arm64-v8a');
  });

  testUnless(false)('shell v1 with an exit-code marker gives the output and the exit code', async () => {
    assert.deepEqual(await run('echo hello'), { code: 0, output: 'hello\n' });
    const failed = await run('ls /no/such/dir 2>&1');
    assert.notEqual(failed.code, 0);
    assert.match(failed.output, /No such file or directory/);
    // adbkit appends 2>/dev/null to some commands: the sandbox's /dev must be the real one.
    assert.equal((await run('echo quiet 2>/dev/null')).code, 0);
  });

  testUnless(false)('push then pull returns the same bytes; the push is one sync SEND', async () => {
    const bytes = randomBytes(700 * 1024 + 3);
    const before = phones[0]!.counts.syncSends;
    // A byte stream, not an object-mode one: adbkit sends each read() as one DATA unit, and adbd (like
    // this device) refuses units over 64 KiB, which an object-mode stream of one Buffer would produce.
    const transfer = await device.push(Readable.from([bytes], { objectMode: false }), '/data/local/tmp/adbkit.bin', 0o644);
    await new Promise<void>((resolve, reject) => {
      transfer.on('end', () => resolve());
      transfer.on('error', reject);
    });
    assert.equal(phones[0]!.counts.syncSends, before + 1);
    const stat = await device.stat('/data/local/tmp/adbkit.bin');
    assert.equal(stat.size, bytes.length);
    const pulled = await Adb.util.readAll(await device.pull('/data/local/tmp/adbkit.bin'));
    assert.ok(pulled.equals(bytes));
    const names = (await device.readdir('/data/local/tmp')).map((e) => e.name);
    assert.ok(names.includes('adbkit.bin'), names.join(','));
  });

  testUnless(false)('ten parallel shells across two devices each get their own output', async () => {
    const outputs = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const d = client.getDevice(phones[i % 2]!.serial);
        return (await Adb.util.readAll(await d.shell(`echo n${i}; getprop ro.product.name`))).toString('utf8');
      }),
    );
    outputs.forEach((o, i) => assert.equal(o, `n${i}\n${phones[i % 2]!.profile.name}\n`));
  });
});
