#!/usr/bin/env node
// NCNN beside the other engines on this machine, on the bench's networks (bench/int8/networks.mjs:
// BlazeFace front 128 from the npm sample, the MobileNetV2-shaped network at 224):
//   ncnn      ncnn-runner on the fp32 ONNX converted by the real onnx2ncnn (after ONNX Runtime
//             folds constants: onnx2ncnn has no layer for tf2onnx's shape subgraphs)
//   ORT fp32  onnxruntime-node on the original fp32 ONNX, in this process
//   OpenCV    opencv_runner on the same fp32 ONNX
//   int8      int8-runner on the plan our compiler makes from our QDQ model (quantized: not the same arithmetic)
//   TFLite    BlazeFace only: MediaPipe's face_detection_short_range.tflite through the agent's
//             TfliteRunner (XNNPACK in WebAssembly); the same network, not the same file
// Paired rounds, the order rotating by round; per round each engine's median of RUNS timed
// inferences (after 3 warm-up runs); ratios engine / ncnn as the median of per-round ratios with a
// bootstrap 95% interval (bench/lib/intervals.mjs). Above 1 = NCNN faster. One thread everywhere.
//
//   NCNN_DIR=<ncnn install with bin/onnx2ncnn> node bench/ncnn/compare.mjs [--rounds 15] [--runs 20] [--cpu 1]
// Needs `npm run build`, device-agents/ncnn-runner/build.sh, opencv-runner and native (int8) builds.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { agreement, DEFAULT_RUNNER, runnerAvailable, runPlan } from '@farm/int8-compiler';
import { pinProcessTree } from '../lib/cpu.mjs';
import { fmtInterval, median, pairedRatio } from '../lib/intervals.mjs';
import { prepareNetworks, root } from '../int8/networks.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
const ROUNDS = Number(opt('rounds', 15));
const RUNS = Number(opt('runs', 20));
const CPU = String(opt('cpu', cpus().length - 1));
const COMMAND = `NCNN_DIR=... node bench/ncnn/compare.mjs --rounds ${ROUNDS} --runs ${RUNS} --cpu ${CPU}`;
const log = (l) => process.stderr.write(`[ncnn] ${l}\n`);

const NCNN_DIR = process.env.NCNN_DIR;
const ONNX2NCNN = NCNN_DIR && join(NCNN_DIR, 'bin/onnx2ncnn');
const NCNN_RUNNER = process.env.NCNN_RUNNER ?? join(root, 'device-agents/ncnn-runner/build/x86_64/ncnn-runner');
const OPENCV = join(root, 'device-agents/opencv-runner/build/opencv_runner');
for (const [what, path] of [
  ['onnx2ncnn (set NCNN_DIR)', ONNX2NCNN],
  ['ncnn-runner', NCNN_RUNNER],
  ['opencv_runner', OPENCV],
]) {
  if (!path || !existsSync(path)) {
    console.error(`${what} missing at ${path}`);
    process.exit(1);
  }
}
if (!runnerAvailable()) {
  console.error(`int8-runner missing at ${DEFAULT_RUNNER}: run device-agents/native/build.sh`);
  process.exit(1);
}

/** The runner's report from one contract invocation (ncnn-runner and opencv_runner speak the same one). */
function runNative(bin, argv) {
  const r = spawnSync(bin, [...argv, '--threads', '1', '--warmup', '3', '--runs', String(RUNS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function convert(net) {
  const folded = join(net.dir, 'folded.onnx');
  await (await ort.InferenceSession.create(net.files.fp32, { graphOptimizationLevel: 'basic', optimizedModelFilePath: folded, logSeverityLevel: 3 })).release();
  const param = join(net.dir, 'model.param');
  const bin = join(net.dir, 'model.bin');
  execFileSync(ONNX2NCNN, [folded, param, bin], { stdio: 'pipe' });
  const inputName = /^Input\s+\S+\s+0 1 (\S+)/m.exec(readFileSync(param, 'utf8'))[1];
  return { param, bin, inputName };
}

async function tfliteBlazeface() {
  const { TfliteRunner } = await import(pathToFileURL(join(root, 'device-agents/agent/dist/runners/tflite.runner.js')).href);
  const modelPath = join(root, 'node_modules/@mediapipe/face_detection/face_detection_short_range.tflite');
  const runner = new TfliteRunner();
  const inputs = [{ name: 'input', dtype: 'float32', shape: [1, 128, 128, 3] }];
  return async () =>
    median(
      (await runner.run({ modelPath, inputs, outputs: [], options: { threads: 1, warmupRuns: 3, timedRuns: RUNS, profileRuns: 0, seed: 42 } })).latenciesMs,
    );
}

async function benchNetwork(net) {
  const ncnn = await convert(net);
  const dimsArg = net.dims.join('x');
  const ncnnArgs = ['--model', ncnn.param, '--weights', ncnn.bin, '--input', `${ncnn.inputName}:${dimsArg}:${net.files.input}`];
  const cvArgs = ['--model', net.files.fp32, '--input', `${net.inputName}:${dimsArg}:${net.files.input}`];
  const session = await ort.InferenceSession.create(net.fp32, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = { [net.inputName]: new ort.Tensor('float32', net.x, net.dims) };

  // NCNN's outputs against ORT fp32 on the same input bytes, and NCNN's layer sum against its median.
  const outFile = join(net.dir, 'ncnn-out.bin');
  const check = runNative(NCNN_RUNNER, [...ncnnArgs, '--output', outFile, '--profile-runs', '9']);
  const ref = await session.run(feeds);
  const bytes = readFileSync(outFile);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  let at = 0;
  const agree = check.outputs.map((o) => {
    const n = o.shape.reduce((a, b) => a * b, 1);
    const a = agreement(ref[o.name].data, all.subarray(at, (at += n)));
    return { output: o.name, cosine: a.cosine, maxAbsError: a.maxAbsError };
  });
  const layerSum = check.layers.reduce((s, l) => s + l.timeMs, 0);

  const engines = {
    ncnn: async () => median(runNative(NCNN_RUNNER, ncnnArgs).latenciesMs),
    ortFp32: async () => {
      await session.run(feeds);
      for (let i = 0; i < 3; i++) await session.run(feeds);
      const lat = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await session.run(feeds);
        lat.push(performance.now() - t0);
      }
      return median(lat);
    },
    opencv: async () => median(runNative(OPENCV, cvArgs).latenciesMs),
    int8: async () => median((await runPlan({ planPath: net.compiled.planPath, inputs: [net.x], warmup: 3, runs: RUNS })).report.latenciesMs),
    ...(net.name === 'blazeface' ? { tflite: await tfliteBlazeface() } : {}),
  };
  // An engine that refuses the model (OpenCV 4.6 on MobileNetV2's 3-input Clip) is left out of that network, and said so.
  const refused = {};
  for (const [n, run] of Object.entries(engines)) {
    try {
      await run();
    } catch (e) {
      refused[n] =
        String(e.message)
          .split('\n')
          .find((l) => l.includes('"message"'))
          ?.slice(0, 160) ?? String(e.message).slice(0, 160);
      delete engines[n];
      log(`${net.name}: ${n} refused the model: ${refused[n]}`);
    }
  }
  const names = Object.keys(engines);
  const rounds = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.slice(r % names.length).concat(names.slice(0, r % names.length));
    for (const e of order) rounds[e].push(await engines[e]());
    log(`${net.name} round ${r + 1}/${ROUNDS}: ${names.map((n) => `${n} ${rounds[n][r].toFixed(3)}`).join(', ')} ms`);
  }
  await session.release();
  return {
    name: net.name,
    names,
    refused,
    medians: Object.fromEntries(names.map((n) => [n, median(rounds[n])])),
    ratios: Object.fromEntries(names.filter((n) => n !== 'ncnn').map((n) => [n, pairedRatio(rounds[n], rounds.ncnn)])),
    agree,
    layers: check.layers.length,
    layerSum,
    layerSumOverMedian: layerSum / median(check.latenciesMs),
    version: check.version,
  };
}

if (CPU !== 'none') log(`pinned this script and its children to CPU ${CPU} (${pinProcessTree(process.pid, CPU)} process)`);
const started = Date.now();
const results = [];
for (const net of await prepareNetworks({ mnv2Size: 224 })) results.push(await benchNetwork(net));
const seconds = Math.round((Date.now() - started) / 1000);

const LABEL = { ortFp32: 'ORT fp32', opencv: 'OpenCV DNN', int8: 'ours int8', tflite: 'TFLite (MediaPipe file)' };
const f = (v, d = 3) => v.toFixed(d);
const lines = [
  `Command: \`${COMMAND}\` (NCNN ${results[0].version}; ${new Date().toISOString()}; ${seconds} s)`,
  '',
  '| network | engine | median of round medians (ms) | engine / ncnn (95% CI) | per-round min / max |',
  '| --- | --- | ---: | ---: | ---: |',
];
for (const r of results) {
  lines.push(`| ${r.name} | ncnn | ${f(r.medians.ncnn)} | - | - |`);
  for (const n of r.names.filter((x) => x !== 'ncnn')) {
    const q = r.ratios[n];
    lines.push(`| ${r.name} | ${LABEL[n]} | ${f(r.medians[n])} | ${f(q.estimate)} (${fmtInterval(q.ci)}) | ${f(q.min)} / ${f(q.max)} |`);
  }
  for (const n of Object.keys(r.refused)) lines.push(`| ${r.name} | ${LABEL[n]} | refused the model | - | - |`);
}
lines.push(
  '',
  '| network | NCNN layers | layer sum / end-to-end median (one run, 9 profiled) | NCNN vs ORT fp32 outputs: min cosine, max abs error |',
  '| --- | ---: | ---: | ---: |',
);
for (const r of results) {
  const cos = Math.min(...r.agree.map((a) => a.cosine));
  const err = Math.max(...r.agree.map((a) => a.maxAbsError));
  lines.push(`| ${r.name} | ${r.layers} | ${f(r.layerSumOverMedian, 2)} | ${cos.toFixed(6)}, ${err.toExponential(2)} |`);
}
console.log(lines.join('\n'));
writeFileSync(join(root, '.cache/ncnn-compare.md'), lines.join('\n') + '\n');
