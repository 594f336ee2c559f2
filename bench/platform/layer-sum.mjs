#!/usr/bin/env node
// Do per-layer times add up? For each engine on BlazeFace, through the agent's real path (the
// runner-host child, pinned to one CPU like RUNNER_CPUS), the sum of the per-layer times over the
// end-to-end median, with the job defaults (5 warm-up, 50 timed, 10 profiled runs) and with the
// unit tests' quick options (1 warm-up, 4 timed, 2 profiled). Rounds rotate the engine order; the
// table gives the median ratio over rounds with its order-statistic interval and the range, and
// how the API would show the layers (judgeLayerSum: ms within 0.8-1.25, else shares).
//
//   node bench/platform/layer-sum.mjs [--rounds R] [--cpu N]
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const imp = (p) => import(pathToFileURL(join(root, p)).href);
const { runIsolated } = await imp('device-agents/agent/dist/host/run-isolated.js');
const { synthesizeInputs } = await imp('device-agents/agent/dist/runners/input-synthesis.js');
const { judgeLayerSum, LAYER_SUM_BOUNDS } = await imp('libs/contracts/dist/index.js');
const { median, medianInterval } = await imp('libs/stats/dist/index.js');
const { quantizeOnnx } = await imp('libs/int8-compiler/dist/index.js');
const { fetchSampleModels } = await imp('scripts/fetch-sample-models.mjs');

const o = { rounds: 5, cpu: cpus().length - 1 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = Number(argv[i + 1]);

const models = fetchSampleModels();
const onnxIn = [{ name: 'input:0', dtype: 'float32', shape: [1, 128, 128, 3] }];
const tfliteIn = [{ name: 'input', dtype: 'float32', shape: [1, 128, 128, 3] }];
const dir = mkdtempSync(join(tmpdir(), 'farm-layer-sum-'));
const calib = [1, 2, 3, 4].map((seed) => ({ 'input:0': { data: synthesizeInputs(onnxIn, seed)[0].data, dims: [1, 128, 128, 3] } }));
const int8Path = join(dir, 'blazeface_int8.onnx');
writeFileSync(int8Path, (await quantizeOnnx(readFileSync(models.onnx), { calibration: 'percentile', inputs: calib })).model);

const engines = {
  onnxruntime: { modelPath: models.onnx, inputs: onnxIn },
  tflite: { modelPath: models.tflite, inputs: tfliteIn },
  'opencv-dnn': { modelPath: models.onnx, inputs: onnxIn },
  'native-int8': { modelPath: int8Path, inputs: onnxIn },
};
const optionSets = {
  defaults: { threads: 1, warmupRuns: 5, timedRuns: 50, profileRuns: 10, seed: 42 },
  quick: { threads: 1, warmupRuns: 1, timedRuns: 4, profileRuns: 2, seed: 7 },
};

const rows = [];
try {
  for (let r = 0; r < o.rounds; r++) {
    const names = Object.keys(engines);
    for (const k of names.map((_, i) => names[(i + r) % names.length])) {
      for (const [set, options] of Object.entries(optionSets)) {
        const out = await runIsolated(k, { ...engines[k], outputs: [], options }, { settings: { cpus: String(o.cpu) } });
        const med = median(out.latenciesMs);
        const judged = judgeLayerSum(
          out.layers.map((l) => l.timeMs),
          med,
          out.layerBasis,
        );
        rows.push({ engine: k, set, ratio: judged.layerSumRatio, basis: judged.layerBasis, med, load1: loadavg()[0] });
        process.stderr.write(
          `[layer-sum] round ${r + 1} ${k} ${set}: median ${med.toFixed(3)} ms, layer sum ${judged.layerSumMs.toFixed(3)} ms, ratio ${judged.layerSumRatio.toFixed(3)} (${judged.layerBasis})\n`,
        );
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const f = (x) => x.toFixed(3);
console.log(`node bench/platform/layer-sum.mjs --rounds ${o.rounds} --cpu ${o.cpu}  (${new Date().toISOString()})`);
console.log(`| engine | options | median ratio (layer sum / e2e median) | 95% interval | range | within ${LAYER_SUM_BOUNDS.low}-${LAYER_SUM_BOUNDS.high} |`);
console.log('|---|---|---:|---|---|---:|');
for (const k of Object.keys(engines)) {
  for (const set of Object.keys(optionSets)) {
    const rs = rows
      .filter((x) => x.engine === k && x.set === set)
      .map((x) => x.ratio)
      .sort((a, b) => a - b);
    const ci = medianInterval(rs);
    const within = rs.filter((x) => x >= LAYER_SUM_BOUNDS.low && x <= LAYER_SUM_BOUNDS.high).length;
    console.log(
      `| ${k} | ${set} | ${f(median(rs))} | ${f(ci.lowMs)}-${f(ci.highMs)} (${(ci.level * 100).toFixed(0)}%) | ${f(rs[0])}-${f(rs.at(-1))} | ${within}/${rs.length} |`,
    );
  }
}
console.log(`load average (1 min) during rounds: ${[...new Set(rows.map((x) => x.load1.toFixed(2)))].join(', ')}`);
