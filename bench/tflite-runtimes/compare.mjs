#!/usr/bin/env node
// LiteRT.js (@litertjs/core, the current LiteRT web runtime) against @tensorflow/tfjs-tflite
// 0.0.1-alpha.10 (what the agent's TfliteRunner runs), both as WebAssembly in Node, on BlazeFace
// short-range (face_detection_short_range.tflite, float32 [1,128,128,3]).
//
//   node bench/tflite-runtimes/compare.mjs [--rounds R] [--runs N] [--warmup W] [--write-readme]
//
// Two child processes (this file with --child), each holding tfjs-tflite (simd build, 1 thread, the
// agent's setup) as the reference and one LiteRT.js build:
//   litert        litert_wasm_internal (relaxed SIMD, no threads), numThreads 1
//   threaded      litert_wasm_threaded_internal (relaxed SIMD + pthreads on worker_threads), numThreads 1 and 2
// In each round every variant of that process runs --runs inferences back to back (order rotating);
// a round's ratio is the variant's median latency over tfjs-tflite's median in the same round, and
// the reported figure is the median of those ratios with a bootstrap 95% interval over rounds
// (bench/lib/intervals.mjs). Above 1 = LiteRT slower. An interval spanning 1 = no detectable difference.
// Timed call: tfjs-tflite `Infer()` after the input was written into its tensor; LiteRT.js
// `await model.run(inputTensor)` plus deleting the output tensors (its only run API; it copies the
// input in and allocates output tensors each call). Both processes run with the agent's V8 flags
// (--no-liftoff --no-wasm-lazy-compilation: wasm compiled optimised up front), plus
// --experimental-wasm-relaxed-simd, which LiteRT.js needs on Node 20 to pick a SIMD build at all.
//
// LiteRT.js in Node needs shims (its loader is written for browsers and web workers): `self`,
// `importScripts` (we require() the Emscripten glue, copied into a folder whose package.json says
// "type": "commonjs" so Node loads it as CommonJS, also inside its pthread workers) and, for the
// threaded build, `navigator.hardwareConcurrency`. The model is passed as bytes.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeRatio, fmtInterval, median, pairedRatio } from '../lib/intervals.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const require = createRequire(join(root, 'package.json'));
const V8_FLAGS = ['--no-liftoff', '--no-wasm-lazy-compilation', '--experimental-wasm-relaxed-simd'];
const TFJS_BUILD = 'tflite_web_api_cc_simd';
const MODEL = join(root, '.cache/models/face_detection_short_range.tflite');
const SEED = 42;

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const o = { rounds: Number(opt('rounds', 20)), runs: Number(opt('runs', 30)), warmup: Number(opt('warmup', 30)) };
const log = (l) => process.stderr.write(`[tflite-runtimes] ${l}\n`);
const version = (pkg) => require(`${pkg}/package.json`).version;

// ---- child: one process, tfjs-tflite plus one LiteRT.js build --------------------------------

async function loadTfjsTflite(model) {
  const js = require.resolve(`@tensorflow/tfjs-tflite/wasm/${TFJS_BUILD}.js`);
  const quiet = () => {};
  const mod = await require(js)({ wasmBinary: readFileSync(join(dirname(js), `${TFJS_BUILD}.wasm`)), print: quiet, printErr: quiet });
  const ptr = mod._malloc(model.length);
  mod.HEAPU8.set(model, ptr);
  const make = (enableProfiling) => {
    const status = mod.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, model.length, { numThreads: 1, enableProfiling, maxProfilingBufferEntries: 4096 });
    if (!status.ok()) throw new Error(`tfjs-tflite: ${status.errorMessage()}`);
    return status.value();
  };
  const tensors = (v) => Array.from({ length: v.size() }, (_, i) => v.get(i));
  const bind = (runner, x) => {
    tensors(runner.GetInputs())[0].data().set(x);
    const infer = () => {
      if (!runner.Infer()) throw new Error('tfjs-tflite: Infer() returned false');
    };
    return {
      infer,
      outputs: () => {
        infer();
        return tensors(runner.GetOutputs()).map((t) => Float32Array.from(t.data()));
      },
    };
  };
  return { make, bind };
}

/** Whether tfjs-tflite's threaded build loads in Node: the error it stops with, or 'loads'. */
async function tfjsThreadedProbe() {
  const js = require.resolve('@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc_simd_threaded.js');
  try {
    const quiet = () => {};
    await require(js)({ wasmBinary: readFileSync(js.replace(/\.js$/, '.wasm')), print: quiet, printErr: quiet });
    return 'loads';
  } catch (e) {
    return String(e).slice(0, 120);
  }
}

async function loadLiteRtBuild(threaded) {
  const coreDir = dirname(dirname(require.resolve('@litertjs/core')));
  const glueDir = mkdtempSync(join(tmpdir(), 'litert-glue-'));
  cpSync(join(coreDir, 'wasm'), glueDir, { recursive: true });
  writeFileSync(join(glueDir, 'package.json'), '{"type":"commonjs"}');
  const loaded = [];
  globalThis.self = globalThis;
  globalThis.navigator ??= { hardwareConcurrency: cpus().length };
  globalThis.importScripts = (url) => {
    loaded.push(String(url));
    globalThis.ModuleFactory = require(String(url));
  };
  const litert = await import(pathToFileURL(require.resolve('@litertjs/core')).href);
  // Its loader warns about WebGPU and NPU accelerators absent in Node; keep our stdout to the JSON line.
  const origLog = console.log;
  console.log = (...a) => process.stderr.write(`${a.join(' ')}\n`);
  try {
    await litert.loadLiteRt(`${glueDir}/`, { threads: threaded });
  } finally {
    console.log = origLog;
  }
  return { litert, build: loaded.map((u) => u.split('/').pop()).join(','), cleanup: () => rmSync(glueDir, { recursive: true, force: true }) };
}

/** Names on the objects and their prototype chains that mention profiling (build-stamp strings aside): what JS can reach. */
function profilingSurface(...objects) {
  const names = new Set();
  for (let obj of objects) {
    for (; obj && obj !== Object.prototype; obj = Object.getPrototypeOf(obj))
      for (const k of Object.getOwnPropertyNames(obj)) if (/profil/i.test(k) && !/^_kVersionStamp/.test(k)) names.add(k);
  }
  return [...names];
}

async function child(which) {
  const model = readFileSync(MODEL);
  const { synthesizeInputs } = await import(pathToFileURL(join(root, 'device-agents/agent/dist/runners/input-synthesis.js')).href);
  const x = synthesizeInputs([{ name: 'input', dtype: 'float32', shape: [1, 128, 128, 3] }], SEED)[0].data;

  const tfjs = await loadTfjsTflite(model);
  const tfjsRun = tfjs.bind(tfjs.make(false), x);
  // Per-op profiling through JS: a profiled interpreter, one inference, the "Delegate internal" table.
  const profiled = tfjs.make(true);
  tfjs.bind(profiled, x).infer();
  const summary = profiled.GetProfilingSummary();
  const { parseTfliteProfileSummary } = await import(pathToFileURL(join(root, 'device-agents/agent/dist/runners/tflite-profile-summary.js')).href);
  const parsed = parseTfliteProfileSummary(summary);
  profiled.delete();

  const threaded = which === 'threaded';
  const tfjsThreaded = threaded ? await tfjsThreadedProbe() : undefined;
  const { litert, build, cleanup } = await loadLiteRtBuild(threaded);
  const input = new litert.Tensor(x, [1, 128, 128, 3]);
  const variants = { 'tfjs-tflite 1 thread': { run: async () => tfjsRun.infer(), outputs: async () => tfjsRun.outputs() } };
  const surfaces = {};
  for (const threads of threaded ? [1, 2] : [1]) {
    const compiled = await litert.loadAndCompile(new Uint8Array(model), { accelerator: 'wasm', cpuOptions: { numThreads: threads } });
    surfaces[threads] = profilingSurface(compiled, litert.getGlobalLiteRt(), litert.getGlobalLiteRt().liteRtWasm);
    const run = async () => {
      const outs = await compiled.run(input);
      for (const t of outs) t.delete();
    };
    const outputs = async () => {
      const outs = await compiled.run(input);
      const v = outs.map((t) => Float32Array.from(t.toTypedArray()));
      for (const t of outs) t.delete();
      return v;
    };
    variants[`LiteRT.js ${threaded ? 'threaded build' : 'build'}, ${threads} thread${threads > 1 ? 's' : ''}`] = { run, outputs };
  }
  // Same computation? Largest output difference of each variant against tfjs-tflite.
  const ref = await variants['tfjs-tflite 1 thread'].outputs();
  const maxAbsDiff = {};
  for (const [name, v] of Object.entries(variants)) {
    const outs = await v.outputs();
    maxAbsDiff[name] = Math.max(...outs.map((o, i) => o.reduce((m, val, j) => Math.max(m, Math.abs(val - ref[i][j])), 0)));
  }
  for (const v of Object.values(variants)) for (let i = 0; i < o.warmup; i++) await v.run();
  const names = Object.keys(variants);
  const rounds = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < o.rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) {
      const lat = [];
      for (let i = 0; i < o.runs; i++) {
        const t0 = performance.now();
        await variants[n].run();
        lat.push(performance.now() - t0);
      }
      rounds[n].push(median(lat));
    }
  }
  cleanup();
  process.stdout.write(
    `${JSON.stringify({
      which,
      build,
      rounds,
      maxAbsDiff,
      tfjsThreaded,
      tfjsProfile: { delegateOps: parsed.delegateInternal.length, primaryRows: parsed.primary.length, methods: profilingSurface(profiled) },
      litertProfilingSurface: surfaces,
    })}\n`,
  );
  process.exit(0); // LiteRT's pthread workers keep the event loop alive
}

// ---- parent ------------------------------------------------------------------------------------

function runChild(which) {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [...V8_FLAGS, fileURLToPath(import.meta.url), '--child', which, '--rounds', String(o.rounds), '--runs', String(o.runs), '--warmup', String(o.warmup)],
      { maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) return fail(new Error(`${which} child failed: ${err.message}\n${stderr.slice(-3000)}`));
        done(JSON.parse(stdout.trim().split('\n').pop()));
      },
    );
  });
}

async function parent() {
  if (!existsSync(MODEL)) {
    const { fetchSampleModels } = await import(pathToFileURL(join(root, 'scripts/fetch-sample-models.mjs')).href);
    fetchSampleModels();
  }
  const command = `node bench/tflite-runtimes/compare.mjs --rounds ${o.rounds} --runs ${o.runs} --warmup ${o.warmup}${args.includes('--write-readme') ? ' --write-readme' : ''}`;
  const t0 = Date.now();
  const results = [];
  for (const which of ['litert', 'threaded']) {
    log(`child ${which}: ${o.rounds} rounds x ${o.runs} runs per variant`);
    results.push(await runChild(which));
  }
  const seconds = (Date.now() - t0) / 1000;
  const f = (v, d = 3) => v.toFixed(d);
  const rows = [];
  for (const res of results) {
    const ref = res.rounds['tfjs-tflite 1 thread'];
    for (const [name, rs] of Object.entries(res.rounds)) {
      if (name.startsWith('tfjs')) continue;
      rows.push({ process: res.which, build: res.build, name, ms: median(rs), refMs: median(ref), ratio: pairedRatio(rs, ref), diff: res.maxAbsDiff[name] });
    }
  }
  const lines = [
    `| LiteRT.js variant (wasm file) | LiteRT.js median (ms) | tfjs-tflite 1 thread, same rounds (ms) | LiteRT.js / tfjs-tflite (95% CI) | reading | max abs output difference vs tfjs-tflite |`,
    '| --- | ---: | ---: | ---: | --- | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} (${r.build}) | ${f(r.ms)} | ${f(r.refMs)} | ${f(r.ratio.estimate)} (${fmtInterval(r.ratio.ci)}) | ${describeRatio(r.ratio, 'LiteRT.js', 'tfjs-tflite').replace(/^.*: /, '')} | ${r.diff.toExponential(2)} |`,
    ),
  ];
  const tp = results[0].tfjsProfile;
  const tfjsThreaded = results.find((r) => r.tfjsThreaded)?.tfjsThreaded;
  const lp = results.flatMap((r) => Object.values(r.litertProfilingSurface)).flat();
  const facts = [
    `- Per-op profiling reachable from JS: tfjs-tflite yes (\`enableProfiling\` + \`${tp.methods.join('`, `')}\`; the summary's "Delegate internal" table listed ${tp.delegateOps} XNNPACK ops for one BlazeFace inference). LiteRT.js ${lp.length ? `exposes ${[...new Set(lp)].join(', ')}` : "no: no member of the compiled model or the LiteRt object mentions profiling, and the compile options have no profiling switch (the wasm carries TFLite's profiler classes, but nothing binds them to JS)"}.`,
    `- Threads: LiteRT.js's threaded build runs in Node (pthreads on worker_threads) and takes \`cpuOptions.numThreads\` (rows above). tfjs-tflite's threaded build (tflite_web_api_cc_simd_threaded) ${tfjsThreaded === 'loads' ? 'loaded in Node too' : `does not load in Node (\`${tfjsThreaded}\`)`}, so the agent runs tfjs-tflite on 1 thread.`,
  ];
  const out = [
    `Command: \`${command}\` (${o.rounds} rounds x ${o.runs} runs per variant, ${o.warmup} warm-up runs each; ${f(seconds, 0)} s), ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, Node ${process.version}, @litertjs/core ${version('@litertjs/core')}, @tensorflow/tfjs-tflite ${version('@tensorflow/tfjs-tflite')} (${TFJS_BUILD})`,
    '',
    ...lines,
    '',
    ...facts,
  ].join('\n');
  console.log(out);
  for (const res of results) for (const [name, rs] of Object.entries(res.rounds)) console.log(`${res.which} | ${name}: ${rs.map((v) => f(v)).join(' ')}`);
  if (args.includes('--write-readme')) {
    const readme = join(root, 'bench/README.md');
    const BEGIN = '<!-- tflite-runtimes:generated:begin -->',
      END = '<!-- tflite-runtimes:generated:end -->';
    let text = readFileSync(readme, 'utf8');
    const block = `${BEGIN}\n${out}\n${END}`;
    const b = text.indexOf(BEGIN),
      e = text.indexOf(END);
    text =
      b >= 0 && e > b
        ? text.slice(0, b) + block + text.slice(e + END.length)
        : `${text.replace(/\s*$/, '')}\n\n## TFLite runtimes in Node: LiteRT.js vs tfjs-tflite\n\n${block}\n`;
    writeFileSync(readme, text);
    log(`wrote the generated block of ${readme}`);
  }
}

if (args.includes('--child')) await child(opt('child'));
else await parent();
