#!/usr/bin/env node
// The adb path's per-job overhead: the agent's way of running a native runner on a phone
// (AdbTransport: prepare a workspace, push runner/plan/input through the sha256 cache, exec the
// wrapped command, clean up) against a bare `adb -P port -s serial shell <runner argv>` of the same
// runner on the same cached files. One emulated arm64 Android device (device-agents/emulated-android,
// arm64 code under qemu-aarch64) behind a real adb server on its own port and HOME.
//
//   node bench/adb/overhead.mjs [--pairs N] [--warmup W] [--runs R] [--port P]
//
// The model is BlazeFace quantized by the project's quantizer and compiled by @farm/int8-compiler
// (bench/int8/networks.mjs), run by the aarch64 int8-runner (device-agents/native/build.sh aarch64).
// Pairs are interleaved and the order alternates (ABBA...), so drift lands on both sides. Reported:
// the median over pairs of agent / bare wall time with a bootstrap 95% interval (bench/lib/intervals.mjs)
// and the median of agent - bare in ms with its interval. Everything runs under qemu user emulation,
// so absolute times are not phone times; the overhead is mostly adb round trips, which are host-side.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AdbTransport, ensureAdbServer } from '@farm/agent/transports/adb.transport';
import { EmulatedAndroidDevice, sandboxUnsupportedReason } from '@farm/emulated-android';
import { nativeRunnerInputArg } from '@farm/contracts';
import { describeRatio, fmtInterval, medianWithInterval, pairedRatio } from '../lib/intervals.mjs';
import { prepare, root } from '../int8/networks.mjs';

const RUNNER = join(root, 'device-agents/native/build/aarch64/int8-runner');
const DEVICE_PORT = 15690;

function parseArgs(argv) {
  const o = { pairs: 30, warmup: 1, runs: 5, port: 5159 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown argument ${argv[i]} (use --pairs N --warmup W --runs R --port P)`);
    o[key] = Number(argv[i + 1]);
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new Error(`--${key} needs a non-negative integer`);
  }
  return o;
}

function adbCli(port, home) {
  const env = { ...process.env, HOME: home, ANDROID_SDK_HOME: home, TMPDIR: home };
  return (args) =>
    new Promise((resolve, reject) => {
      execFile('adb', ['-P', String(port), ...args], { env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`adb ${args.join(' ')}: ${err.message} ${stderr}`));
        else resolve(stdout);
      });
    });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const command = `node bench/adb/overhead.mjs --pairs ${o.pairs} --warmup ${o.warmup} --runs ${o.runs} --port ${o.port}`;
  const unsupported = await sandboxUnsupportedReason();
  if (unsupported) throw new Error(`emulated devices cannot run here: ${unsupported}`);
  if (!existsSync(RUNNER)) throw new Error(`${RUNNER} is missing: bash device-agents/native/build.sh aarch64`);

  const blazeface = join(root, '.cache/models/blazeface_front_128.onnx');
  if (!existsSync(blazeface)) throw new Error(`${blazeface} is missing: node scripts/fetch-sample-models.mjs`);
  const net = await prepare('blazeface', readFileSync(blazeface), 'input:0', [1, 128, 128, 3], 'NHWC');

  const home = mkdtempSync(join(tmpdir(), 'bench-adb-'));
  const adb = adbCli(o.port, home);
  const phone = await EmulatedAndroidDevice.start({ port: DEVICE_PORT });
  try {
    await adb(['start-server']);
    await adb(['connect', phone.serial]);
    let listed = '';
    for (let i = 0; i < 100 && !listed.includes(`${phone.serial}\tdevice`); i++) {
      await new Promise((r) => setTimeout(r, 100));
      listed = await adb(['devices']);
    }
    if (!listed.includes(`${phone.serial}\tdevice`)) throw new Error(`${phone.serial} is not online on the adb server: ${listed}`);
    await ensureAdbServer({ host: '127.0.0.1', port: o.port });
    const transport = new AdbTransport({ host: '127.0.0.1', port: o.port });

    // The plan names its weights file; pushed files sit side by side in the cache under their sha256
    // names, so the plan is rewritten to name the cached weights (as the native-int8 runner does).
    const local = mkdtempSync(join(tmpdir(), 'bench-adb-plan-'));
    const setup = await transport.prepare(phone.serial, 'bench-setup');
    const remoteBin = (await transport.push(setup, net.compiled.binPath)).remotePath;
    const plan = JSON.parse(readFileSync(net.compiled.planPath, 'utf8'));
    plan.bin = basename(remoteBin);
    const planFile = join(local, 'device.plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    await transport.cleanup(setup);

    const decl = net.compiled.inputs[0];
    const runnerArgs = (runner, planPath, input, output) => [
      runner,
      '--model',
      planPath,
      '--input',
      nativeRunnerInputArg(decl.name, decl.shape, input),
      '--output',
      output,
      '--threads',
      '1',
      '--warmup',
      String(o.warmup),
      '--runs',
      String(o.runs),
      '--profile-runs',
      '0',
    ];

    /** The agent's path for one job, timed whole. Returns [ms, argv it ran] . */
    async function agentJob() {
      const start = process.hrtime.bigint();
      const ws = await transport.prepare(phone.serial, 'bench-job');
      const runner = (await transport.push(ws, RUNNER)).remotePath;
      await transport.push(ws, net.compiled.binPath);
      const planPath = (await transport.push(ws, planFile)).remotePath;
      const input = (await transport.push(ws, net.files.input)).remotePath;
      const argv = runnerArgs(runner, planPath, input, 'outputs.bin');
      const r = await transport.exec(ws, argv);
      await transport.cleanup(ws);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.exitCode !== 0) throw new Error(`agent path: int8-runner exited ${r.exitCode}: ${r.stderr}`);
      return { ms, argv };
    }

    // One agent job first: it fills the cache and gives the device paths the bare side reuses.
    const { argv } = await agentJob();
    const bareArgv = argv.map((a) => (a === 'outputs.bin' ? `${dirname(argv[0])}/bench-outputs.bin` : a));
    async function bareJob() {
      const start = process.hrtime.bigint();
      const out = await adb(['-s', phone.serial, 'shell', ...bareArgv]);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (!out.includes('"latenciesMs"')) throw new Error(`bare path: no report: ${out.slice(-500)}`);
      return ms;
    }
    await bareJob();

    const agent = [];
    const bare = [];
    for (let i = 0; i < o.pairs; i++) {
      if (i % 2 === 0) {
        agent.push((await agentJob()).ms);
        bare.push(await bareJob());
      } else {
        bare.push(await bareJob());
        agent.push((await agentJob()).ms);
      }
    }
    rmSync(local, { recursive: true, force: true });

    const ratio = pairedRatio(agent, bare);
    const diff = medianWithInterval(agent.map((a, i) => a - bare[i]));
    const agentMed = medianWithInterval(agent);
    const bareMed = medianWithInterval(bare);
    const lines = [
      `Command: \`${command}\` (qemu-aarch64 user emulation on this host; not phone timings)`,
      `Model: BlazeFace 128 quantized (QDQ, minmax) and compiled to an int8 plan; int8-runner aarch64, 1 thread, ${o.warmup} warm-up + ${o.runs} timed runs per job`,
      `Pairs: ${o.pairs} (interleaved, order alternating)`,
      `Agent path (prepare + cached pushes + wrapped exec + cleanup): median ${agentMed.estimate.toFixed(1)} ms (95% CI ${fmtInterval(agentMed.ci, 1)})`,
      `Bare adb shell: median ${bareMed.estimate.toFixed(1)} ms (95% CI ${fmtInterval(bareMed.ci, 1)})`,
      `Agent / bare (paired): ${describeRatio(ratio, 'agent path', 'bare adb shell', 3)}`,
      `Agent - bare (paired): median ${diff.estimate.toFixed(1)} ms (95% CI ${fmtInterval(diff.ci, 1)})`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await adb(['kill-server']).catch(() => undefined);
    await phone.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
