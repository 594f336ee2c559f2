#!/usr/bin/env node
/**
 * The stand-in benchmark host (test infrastructure): launched by the project's Appium test driver
 * as the "app" with the host-app contract's arguments (device-agents/ios-host/CONTRACT.md), it
 * runs a REAL engine of this machine, the project's opencv_runner (OpenCV DNN), and reports it as
 * `engine: "opencv-dnn"`: never Core ML, which does not exist here. Like the iOS app it has no
 * usable stdout: it writes stdout, stderr and then exit into the --farm-exec folder and ends.
 *
 * Container paths ("/x") resolve against the app's Documents folder (its working directory);
 * relative ones against the parent of --farm-exec. A file "crash-next-launch" in the device folder
 * makes the next launch die by SIGKILL mid-run, as an app crash would, without an exit file.
 *
 * Without --farm-exec it follows the macOS command-line target's side of the contract instead
 * (report on stdout, error on stderr, exit status), as a Mac agent's local transport runs it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join, normalize, resolve } from 'node:path';

const documents = process.env.FARM_APP_DOCUMENTS ?? process.cwd();
const deviceDir = process.env.FARM_TEST_DEVICE_DIR;
const engine = process.env.FARM_STANDIN_ENGINE;
const THERMAL = ['nominal', 'fair', 'serious', 'critical'];
const BATTERY = ['unknown', 'unplugged', 'charging', 'full'];

const argv = process.argv.slice(2);
const flags = [];
for (let i = 0; i < argv.length; i++) flags.push(argv[i] === '--version' ? ['--version', ''] : [argv[i], argv[++i]]);
const get = (name) => flags.find(([f]) => f === name)?.[1];
const inDocs = (p) => {
  const file = normalize(join(documents, p));
  if (!file.startsWith(documents)) throw Object.assign(new Error(`${p} leaves the app container`), { code: 'bad_arguments' });
  return file;
};
const execDir = get('--farm-exec') ? inDocs(get('--farm-exec')) : null;
const workspace = execDir ? dirname(execDir) : documents;
// macOS (no --farm-exec): ordinary paths, relative ones against the working directory.
const resolvePath = (p) => (!execDir ? resolve(p) : p.startsWith('/') ? inDocs(p.slice(1)) : normalize(join(workspace, p)));

function finish(stdout, stderr, status) {
  if (!execDir) {
    // The macOS command-line contract (no --farm-exec): the report on stdout, an error on stderr, the status as exit code.
    // Synchronous writes: process.exit must not cut a report short on a pipe.
    if (stdout) writeSync(1, `${stdout}\n`);
    if (stderr) writeSync(2, `${stderr}\n`);
    process.exit(status);
  }
  mkdirSync(execDir, { recursive: true });
  writeFileSync(join(execDir, 'stdout'), stdout ? `${stdout}\n` : '');
  writeFileSync(join(execDir, 'stderr'), stderr ? `${stderr}\n` : '');
  writeFileSync(join(execDir, 'exit.tmp'), `${status}\n`);
  renameSync(join(execDir, 'exit.tmp'), join(execDir, 'exit'));
  process.exit(status);
}
const fail = (code, message, status) => finish('', JSON.stringify({ error: { code, message } }), status);

function deviceState() {
  const d = deviceDir ? JSON.parse(readFileSync(join(deviceDir, 'device.json'), 'utf8')) : {};
  return {
    thermalState: THERMAL[d.thermalState ?? 0] ?? 'nominal',
    batteryLevelPercent: typeof d.batteryLevel === 'number' && d.batteryLevel >= 0 ? Math.round(d.batteryLevel * 100) : null,
    batteryState: BATTERY[d.batteryState ?? 0] ?? 'unknown',
  };
}

function runEngine(args) {
  const r = spawnSync(engine, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) fail('internal', `the engine ${engine} could not start: ${r.error.message}`, 1);
  return r;
}

if (!engine || !existsSync(engine)) fail('internal', `FARM_STANDIN_ENGINE (${engine}) is not an engine binary on this machine`, 1);

if (get('--version') !== undefined) {
  const r = runEngine(['--version']);
  if (r.status !== 0) finish('', r.stderr.trim(), r.status ?? 1);
  const v = JSON.parse(r.stdout.trim().split('\n').pop());
  finish(JSON.stringify({ runner: 'farm-test-host-standin', version: `${v.runner} ${v.version}`, engine: 'opencv-dnn', contract: 1 }), '', 0);
}

// Only what OpenCV DNN can honour: a Core ML package or compute units would be ignored, so they are refused.
if (get('--package-entry') !== undefined || get('--compute-units') !== undefined) {
  fail('unsupported_option', 'the stand-in host runs OpenCV DNN on ONNX models: no --package-entry, no --compute-units', 3);
}

const crashMarker = deviceDir ? join(deviceDir, 'crash-next-launch') : null;
if (crashMarker && existsSync(crashMarker)) {
  rmSync(crashMarker);
  // Die mid-run the way a crashing app does: no exit file, no report.
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 200);
  await new Promise(() => {});
}

const before = deviceState();
const engineArgs = [];
for (const [flag, value] of flags) {
  if (flag === '--farm-exec') continue;
  if (flag === '--model') engineArgs.push(flag, resolvePath(value));
  else if (flag === '--output') {
    mkdirSync(dirname(resolvePath(value)), { recursive: true });
    engineArgs.push(flag, resolvePath(value));
  } else if (flag === '--input') {
    // NAME may contain ':': DIMS and FILE are the last two fields.
    const parts = value.split(':');
    const file = parts.pop();
    engineArgs.push(flag, `${parts.join(':')}:${resolvePath(file)}`);
  } else engineArgs.push(flag, value);
}
const r = runEngine(engineArgs);
if (r.status !== 0) finish('', r.stderr.trim().split('\n').pop() ?? '', r.status ?? 1);
const report = JSON.parse(r.stdout.trim().split('\n').pop());
const model = deviceDir ? JSON.parse(readFileSync(join(deviceDir, 'device.json'), 'utf8')).model : 'test device';
finish(
  JSON.stringify({
    ...report,
    runner: 'farm-test-host-standin',
    version: `${report.runner} ${report.version}`,
    engine: 'opencv-dnn',
    contract: 1,
    computeUnits: null,
    // OpenCV's per-layer times are measured (getPerfProfile), so nothing here is estimated.
    layers: report.layers.map((l) => ({ ...l, estimated: false, computeUnit: 'cpu', costWeight: null })),
    os: `Linux ${release()} (stand-in host)`,
    deviceModel: model,
    deviceBefore: before,
    deviceAfter: deviceState(),
  }),
  '',
  0,
);
