#!/usr/bin/env node
// The main command (npm run farm): the whole farm on the embedded default, with no Docker, no
// Redis and no database to install. It prepares the machine (OpenCV DNN headers from apt when
// missing, npm packages, build), starts embedded Postgres (which also carries the queue, via
// BullMQ's PostgreSQL backend), the API and one desktop agent as separate processes, benchmarks
// the bundled sample (BlazeFace as ONNX and as TFLite) on this desktop under ONNX Runtime,
// TFLite and OpenCV DNN through the CLI, prints the comparison and the dashboard URL, and keeps
// serving until Ctrl-C.
//
// With --android-emulated N it also starts N emulated arm64 Android phones (test and demo
// infrastructure: a device-side adb daemon in TypeScript, arm64 binaries under qemu) behind a
// farm-owned adb server, and then benchmarks the sample's int8 variant under our int8 runtime on
// the desktop and on every phone, as one cross-device comparison. Phone timings there are
// emulation on this host, never phone performance; every view labels them so.
//
// On a host with 2 or more CPUs it reserves the last CPU for the benchmark runners (the agent's
// RUNNER_CPUS) and moves itself, Postgres, the API and the agent onto the others: on a 2-core VM a
// runner sharing its core with the services measured their work as its own spread.
//
//   npm run farm [-- --exit] [-- --runs N] [-- --android-emulated N]
//   env: FARM_PORT (3000), FARM_PG_PORT (54329), FARM_DIR (.farm),
//        FARM_ADB_PORT (5038, the farm's own adb server), FARM_ANDROID_BASE_PORT (15555),
//        RUNNER_CPUS (the runners' CPU list, passed to the agent; set it to choose the core yourself),
//        FARM_RESERVE_CPU=0 (no reserved core: everything floats)
import { execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, saveCliKey, startFarmStack } from './lib/farm-stack.mjs';

const args = process.argv.slice(2);
const exitAfter = args.includes('--exit');
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 50;
if (!Number.isInteger(runs) || runs < 1) fail(`--runs needs a positive integer, got "${args[runsArg + 1]}"`);
const androidArg = args.indexOf('--android-emulated');
const phones = androidArg >= 0 ? Number(args[androidArg + 1]) : 0;
if (androidArg >= 0 && (!Number.isInteger(phones) || phones < 1 || phones > 8))
  fail(`--android-emulated needs a number of phones from 1 to 8, got "${args[androidArg + 1]}"`);
const PHONE_RUNS = 20;
const port = Number(process.env.FARM_PORT ?? 3000);
const pgPort = Number(process.env.FARM_PG_PORT ?? 54329);
const farmDir = resolve(root, process.env.FARM_DIR ?? '.farm');

function say(line) {
  process.stdout.write(`[farm] ${line}\n`);
}
function fail(message) {
  process.stderr.write(`[farm] error: ${message}\n`);
  process.exit(1);
}
function sh(cmd, argv) {
  execFileSync(cmd, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

/**
 * Picks the runners' CPU and pins this process (every thread, so the children it starts next
 * inherit the mask) to the remaining ones. Returns the agent settings and a line saying what it did.
 */
function reserveRunnerCpu() {
  const n = cpus().length;
  if (process.env.RUNNER_CPUS) return { env: { RUNNER_CPUS: process.env.RUNNER_CPUS }, line: `runners pinned to CPU ${process.env.RUNNER_CPUS} (RUNNER_CPUS)` };
  if (process.env.FARM_RESERVE_CPU === '0')
    return { env: {}, line: 'no CPU reserved for the runners (FARM_RESERVE_CPU=0): services and runners share every core' };
  if (n < 2) return { env: {}, line: 'one CPU: runners share it with the API, the agent and Postgres, so expect more spread' };
  const runnerCpu = n - 1;
  const others = n === 2 ? '0' : `0-${n - 2}`;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', others, String(process.pid)], { stdio: 'ignore' });
  } catch (e) {
    return { env: {}, line: `could not reserve a CPU for the runners (taskset: ${e instanceof Error ? e.message : e}); they share every core` };
  }
  return {
    env: { RUNNER_CPUS: String(runnerCpu) },
    line: `reserved CPU ${runnerCpu} for the benchmark runners (RUNNER_CPUS=${runnerCpu}); Postgres, the API and the agent run on CPU ${others} (FARM_RESERVE_CPU=0 turns this off)`,
  };
}

let stack;
let stopping = false;
async function shutdown(code) {
  stopping = true;
  if (stack) await stack.stop();
  process.exit(code);
}

async function main() {
  say(
    `checking system packages (OpenCV DNN headers for the native runner${phones ? '; adb, qemu, busybox and an arm64 compiler for the emulated phones' : ''})`,
  );
  sh('bash', ['scripts/system-deps.sh', phones ? '--farm-android' : '--farm']);
  sh('bash', ['scripts/ensure-node-modules.sh']);
  say('building');
  sh('bash', ['scripts/build.sh']);
  if (phones) {
    say('building the static arm64 int8-runner the phones get');
    sh('bash', ['device-agents/native/build.sh', 'aarch64']);
  }
  const { fetchSampleModels } = await import(pathToFileURL(join(root, 'scripts/fetch-sample-models.mjs')).href);
  const models = fetchSampleModels();

  const reservation = reserveRunnerCpu();
  say(reservation.line);
  stack = await startFarmStack({
    farmDir,
    port,
    pgPort,
    agentEnv: reservation.env,
    ...(phones
      ? { android: { count: phones, basePort: Number(process.env.FARM_ANDROID_BASE_PORT ?? 15555), adbPort: Number(process.env.FARM_ADB_PORT ?? 5038) } }
      : {}),
    log: say,
    onExit: (name, logPath) => {
      if (stopping) return;
      process.stderr.write(`[farm] ${name} exited; see ${logPath}\n`);
      void shutdown(1);
    },
  });
  const { apiUrl, apiKey, device } = stack;
  const keysFile = saveCliKey(apiUrl, apiKey);
  say(`admin API key saved for ${apiUrl} in ${keysFile} (the CLI reads it; or export FARM_API_KEY=$(cat ${join(farmDir, 'api-key')}))`);
  const cliEnv = { ...process.env, FARM_API_KEY: apiKey };

  say(`benchmarking BlazeFace (ONNX + TFLite) on this desktop, ${runs} timed runs per framework`);
  const cli = spawn(
    process.execPath,
    [
      join(root, 'apps/cli/dist/main.js'),
      'bench',
      models.onnx,
      models.tflite,
      '--name',
      'BlazeFace (sample)',
      '--device',
      device.id,
      '--runs',
      String(runs),
      '--api',
      apiUrl,
    ],
    { cwd: root, env: cliEnv, stdio: 'inherit' },
  );
  let code = await new Promise((r) => cli.on('exit', (c) => r(c ?? 1)));
  if (phones) code = Math.max(code, await crossDevice(apiUrl, device, stack.phones, models, cliEnv));
  // The key rides in the fragment, which the browser never sends; the dashboard moves it to sessionStorage.
  say(`dashboard: ${apiUrl}/#key=${apiKey}   API docs: ${apiUrl}/docs   logs: ${stack.logDir}`);
  if (exitAfter) await shutdown(code);
  say('the farm keeps running; press Ctrl-C to stop it');
}

/**
 * The sample's int8 variant under our int8 runtime on the desktop (x86-64, AVX2) and on each
 * emulated phone (the static arm64 build under qemu), as one comparison.
 */
async function crossDevice(apiUrl, desktop, phoneDevices, models, env) {
  say(
    `cross-device: BlazeFace int8 under native-int8 on this desktop and ${phoneDevices.length} EMULATED arm64 phone(s), ${PHONE_RUNS} timed runs each. ` +
      'The phones are qemu emulation on this host: their times show the arm64 code path works end to end, not how fast a phone is.',
  );
  const bench = (devices, quiet) =>
    new Promise((r) => {
      const argv = [join(root, 'apps/cli/dist/main.js'), 'bench', models.onnx, '--name', 'BlazeFace (sample)', '--quantize', '--framework', 'native-int8'];
      for (const d of devices) argv.push('--device', d.id);
      argv.push('--runs', String(PHONE_RUNS), '--warmup', '2', '--profile-runs', '3', '--api', apiUrl, ...(quiet ? ['--json'] : []));
      const cli = spawn(process.execPath, argv, { cwd: root, env, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
      cli.on('exit', (c) => r(c ?? 1));
    });
  // The desktop first, on its own: qemu running the phones' binaries on the other vCPU would share
  // the core (and its caches) with the desktop runner. The table printed after the phones' run
  // shows every result of the model, the desktop's included.
  say('desktop int8 run first (alone), then the phones');
  const desktopCode = await bench([desktop], true);
  return Math.max(desktopCode, await bench(phoneDevices, false));
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    say('stopping');
    void shutdown(0);
  });
}
main().catch((e) => {
  process.stderr.write(`[farm] error: ${e instanceof Error ? e.message : e}\n`);
  void shutdown(1);
});
