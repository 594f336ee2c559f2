#!/usr/bin/env node
/**
 * Starts N emulated arm64 Android phones (test and demo infrastructure) and keeps them up until
 * Ctrl-C. Prints one serial per line on stdout, for `adb connect`; the labels go to stderr.
 *   node device-agents/emulated-android/dist/main.js [--count N] [--base-port P] [--auth none|accept|never] [--dir D]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_BASE_PORT, startEmulatedDevices, type AuthMode } from './index.js';

const AUTH_MODES: AuthMode[] = ['none', 'accept', 'never'];

function fail(message: string): never {
  process.stderr.write(`emulated-android: ${message}\n`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1' },
    'base-port': { type: 'string', default: String(DEFAULT_BASE_PORT) },
    auth: { type: 'string', default: 'none' },
    dir: { type: 'string' },
  },
  strict: true,
});
const count = Number(values.count);
const basePort = Number(values['base-port']);
if (!Number.isInteger(count) || count < 1 || count > 64) fail(`--count needs an integer from 1 to 64, got "${values.count}"`);
if (!Number.isInteger(basePort)) fail(`--base-port needs an integer, got "${values['base-port']}"`);
const auth = values.auth as AuthMode;
if (!AUTH_MODES.includes(auth)) fail(`--auth takes ${AUTH_MODES.join(', ')}, got "${values.auth}"`);

const devices = await startEmulatedDevices(count, { basePort, auth, dir: values.dir }).catch((e: Error) => fail(e.message));
process.stderr.write(
  `emulated-android: ${count} emulated arm64 device(s), test and demo infrastructure: timings on them are emulation, not phone performance\n`,
);
for (const d of devices) process.stdout.write(`${d.serial}\n`);

const stop = async () => {
  await Promise.all(devices.map((d) => d.stop()));
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
