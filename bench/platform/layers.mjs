#!/usr/bin/env node
// Splits the platform's path into its layers, without the API and queue, to see where a ratio
// from overhead.mjs comes from. Per engine and round, interleaved (order rotates by round):
//   bare      onnxruntime-node loop / opencv_runner run directly (tflite has no bare form)
//   runner    the agent's runner class in this process, no progress callback
//   host      runIsolated(): the runner-host child process the agent uses, with its per-iteration
//             progress lines parsed here as the agent does
//   quiet     the same child process through quiet-host.mjs, which reports no progress
//
//   node bench/platform/layers.mjs [--rounds R] [--runs N] [--warmup W]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmtInterval, median, pairedRatio } from '../lib/intervals.mjs';
import { RUNNER_ORT_OPTIONS } from '../lib/ort-options.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(root, 'device-agents/agent/dist/runners');
const imp = (p) => import(pathToFileURL(join(dist, p)).href);
const { desktopRunner } = await imp('registry.js');
const { runIsolated } = await imp('../host/run-isolated.js');
const { LocalTransport } = await imp('../transports/local.transport.js');
const transport = new LocalTransport();
const { synthesizeInputs } = await imp('input-synthesis.js');
const { fetchSampleModels } = await import(pathToFileURL(join(root, 'scripts/fetch-sample-models.mjs')).href);
const ort = createRequire(join(root, 'device-agents/agent/package.json'))('onnxruntime-node');
const QUIET_HOST = join(root, 'bench/platform/quiet-host.mjs');
const OPENCV = join(root, 'device-agents/opencv-runner/build/opencv_runner');

const o = { rounds: 4, runs: 200, warmup: 20 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = Number(argv[i + 1]);

const models = fetchSampleModels();
const spec = [{ name: 'input:0', dtype: 'float32', shape: [1, 128, 128, 3] }];
const options = { threads: 1, warmupRuns: o.warmup, timedRuns: o.runs, profileRuns: 0, seed: 42 };
const input = synthesizeInputs(spec, 42)[0];
const dir = mkdtempSync(join(tmpdir(), 'farm-layers-'));
const inFile = join(dir, 'in.bin');
writeFileSync(inFile, new Uint8Array(input.data.buffer));

async function bareOrt() {
  const s = await ort.InferenceSession.create(models.onnx, RUNNER_ORT_OPTIONS);
  const feeds = { [input.name]: new ort.Tensor('float32', input.data, input.shape) };
  await s.run(feeds);
  for (let i = 0; i < o.warmup; i++) await s.run(feeds);
  const lat = [];
  for (let i = 0; i < o.runs; i++) {
    const t = process.hrtime.bigint();
    await s.run(feeds);
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await s.release();
  return lat;
}
function bareOpencv() {
  const a = [
    '--model',
    models.onnx,
    '--input',
    `input:0:1x128x128x3:${inFile}`,
    '--threads',
    '1',
    '--warmup',
    String(o.warmup),
    '--runs',
    String(o.runs),
    '--profile-runs',
    '0',
  ];
  return new Promise((ok, fail) => execFile(OPENCV, a, (e, out) => (e ? fail(e) : ok(JSON.parse(out.trim().split('\n').pop()).latenciesMs))));
}

const engines = {
  onnxruntime: { model: models.onnx, bare: bareOrt },
  'opencv-dnn': { model: models.onnx, bare: bareOpencv },
  tflite: { model: models.tflite },
};
const results = [];
try {
  for (let r = 0; r < o.rounds; r++) {
    for (const [engine, e] of Object.entries(engines)) {
      const req = { modelPath: e.model, inputs: spec, outputs: [], options };
      const sides = {
        ...(e.bare ? { bare: e.bare } : {}),
        runner: async () => {
          const workspace = await transport.prepare(transport.serial, 'bench');
          try {
            return (await desktopRunner(engine).run({ ...req, device: { transport, workspace } })).latenciesMs;
          } finally {
            await transport.cleanup(workspace);
          }
        },
        host: async () => (await runIsolated(engine, req, { onProgress: () => {} })).latenciesMs,
        quiet: async () => (await runIsolated(engine, req, { hostScript: QUIET_HOST })).latenciesMs,
      };
      const names = Object.keys(sides);
      const order = names.map((_, i) => names[(i + r) % names.length]);
      const row = { round: r + 1, engine, load1: loadavg()[0] };
      for (const n of order) row[n] = median(await sides[n]());
      results.push(row);
      process.stderr.write(`[layers] ${JSON.stringify(row)}\n`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const f = (x) => (x === undefined ? '-' : x.toFixed(3));
console.log(`node bench/platform/layers.mjs --rounds ${o.rounds} --runs ${o.runs} --warmup ${o.warmup}  (${new Date().toISOString()})`);
console.log(
  '| engine | bare (ms) | runner in-process (ms) | runner-host child (ms) | child, no progress (ms) | host / runner (95% CI) | quiet / runner (95% CI) | host / quiet (95% CI) | host / bare (95% CI) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const engine of Object.keys(engines)) {
  const rs = results.filter((x) => x.engine === engine);
  const m = (k) => (rs[0][k] === undefined ? undefined : median(rs.map((x) => x[k])));
  const [b, ru, h, q] = [m('bare'), m('runner'), m('host'), m('quiet')];
  // Per-round ratios first, then their median and its bootstrap 95% interval over rounds: both sides
  // of a ratio share the round's load.
  const pr = (a, c) => {
    const r = pairedRatio(
      rs.map((x) => x[a]),
      rs.map((x) => x[c]),
    );
    return `${f(r.estimate)} (${fmtInterval(r.ci)})`;
  };
  console.log(
    `| ${engine} | ${f(b)} | ${f(ru)} | ${f(h)} | ${f(q)} | ${pr('host', 'runner')} | ${pr('quiet', 'runner')} | ${pr('host', 'quiet')} | ${b ? pr('host', 'bare') : '-'} |`,
  );
}
console.log(`load average (1 min) during rounds: ${results.map((x) => x.load1.toFixed(2)).join(', ')}`);
