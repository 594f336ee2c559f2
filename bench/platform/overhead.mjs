#!/usr/bin/env node
// Platform overhead: each engine timed standalone and through the farm (API -> queue -> agent ->
// runner-host child process), side by side in one run, on the bundled BlazeFace samples, one
// thread. Reports per engine platform median / standalone median; the target is 0.95-1.05.
//
//   node bench/platform/overhead.mjs [--rounds R] [--runs N] [--warmup W]
//
// Standalone means the engine with as little of ours around it as exists:
//   onnxruntime  a plain onnxruntime-node loop in this process;
//   opencv-dnn   the native opencv_runner binary, run directly (it times its own forward() calls);
//   tflite       the TfliteRunner class in this process: the wasm runtime has no standalone CLI, so
//                this side compares the queue/agent/child-process path against the same engine
//                wrapper without them, not against "bare" TFLite.
// Rounds interleave both sides per engine (which side goes first alternates by round) so that the
// load of a shared machine lands on both; per side we keep the median of the per-round medians.
import { execFile } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const agentDist = join(root, 'device-agents/agent/dist');
const OPENCV_RUNNER = join(root, 'device-agents/opencv-runner/build/opencv_runner');
const README = join(root, 'bench/README.md');
const ENGINES = ['onnxruntime', 'opencv-dnn', 'tflite'];
const SEED = 42; // the API's default seed, so both sides feed the same bytes
const PROFILE_RUNS = 2; // the platform always profiles after the timed runs; keep that short
const TARGET = [0.95, 1.05];

function parseArgs(argv) {
  const o = { rounds: 5, runs: 200, warmup: 20 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown argument ${argv[i]} (use --rounds R --runs N --warmup W)`);
    const v = Number(argv[++i]);
    if (!Number.isInteger(v) || v < (key === 'warmup' ? 0 : 1)) throw new Error(`--${key} needs a positive integer, got "${argv[i]}"`);
    o[key] = v;
  }
  return o;
}

const log = (line) => process.stderr.write(`[overhead] ${line}\n`);

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function freePort() {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => done(port));
    });
  });
}

// ---- standalone sides -------------------------------------------------------------------------

// The agent's own onnxruntime-node, so both sides run the same build of the engine.
const agentRequire = createRequire(join(root, 'device-agents/agent/package.json'));
const ort = agentRequire('onnxruntime-node');

async function standaloneOrt(modelPath, feedsData, o) {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 3,
  });
  try {
    const feeds = {};
    for (const t of feedsData) feeds[t.name] = new ort.Tensor('float32', t.data, t.shape);
    // One extra run first, as the runner keeps its first inference out of warm-up and timing.
    await session.run(feeds);
    for (let i = 0; i < o.warmup; i++) await session.run(feeds);
    const lat = new Array(o.runs);
    for (let i = 0; i < o.runs; i++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      lat[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
    return lat;
  } finally {
    await session.release();
  }
}

function standaloneOpencv(modelPath, inputFiles, o) {
  const argv = ['--model', modelPath];
  for (const f of inputFiles) argv.push('--input', `${f.name}:${f.shape.join('x')}:${f.file}`);
  argv.push('--threads', '1', '--warmup', String(o.warmup), '--runs', String(o.runs), '--profile-runs', '0');
  return new Promise((done, fail) => {
    execFile(OPENCV_RUNNER, argv, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`opencv_runner failed: ${err.message}; ${stderr.trim().slice(-2000)}`));
      const report = JSON.parse(stdout.trim().split('\n').pop());
      if (!Array.isArray(report.latenciesMs)) return fail(new Error(`opencv_runner printed no latencies: ${stdout.slice(0, 500)}`));
      done(report.latenciesMs);
    });
  });
}

let tfliteRunner;
async function standaloneTflite(modelPath, artifact, o) {
  tfliteRunner ??= new (await import(pathToFileURL(join(agentDist, 'runners/tflite.runner.js')).href)).TfliteRunner();
  const out = await tfliteRunner.run({
    modelPath,
    inputs: artifact.inputs,
    outputs: artifact.outputs,
    // No onProgress: this side is the engine wrapper without the host process and its reporting.
    options: { threads: 1, warmupRuns: o.warmup, timedRuns: o.runs, profileRuns: 0, seed: SEED },
  });
  return out.latenciesMs;
}

// ---- platform side ----------------------------------------------------------------------------

async function api(apiUrl, method, path, body) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    ...(body instanceof FormData ? { body } : body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 1000)}`);
  return JSON.parse(text);
}

async function upload(apiUrl, file, fields) {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(file)]), basename(file));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return api(apiUrl, 'POST', '/models', form);
}

async function platformRun(stack, modelId, engine, o) {
  const { runId } = await api(stack.apiUrl, 'POST', '/benchmarks', {
    modelId,
    targets: { deviceIds: [stack.device.id] },
    frameworks: [engine],
    options: { threads: 1, warmupRuns: o.warmup, timedRuns: o.runs, profileRuns: PROFILE_RUNS, seed: SEED },
  });
  const t0 = Date.now();
  for (;;) {
    // Polled slowly: the poll itself is load on the API and database while the job runs.
    await new Promise((r) => setTimeout(r, 500));
    const run = await api(stack.apiUrl, 'GET', `/benchmarks/${runId}`);
    const job = run.jobs[0];
    if (job && ['succeeded', 'failed', 'cancelled'].includes(job.status)) {
      if (job.status !== 'succeeded') throw new Error(`${engine} job ${job.id} ${job.status}: ${JSON.stringify(job).slice(0, 1000)}`);
      const result = await api(stack.apiUrl, 'GET', `/results/${job.id}`);
      return { latencies: result.latenciesMs, apiMedianMs: result.stats.medianMs, wallMs: Date.now() - t0 };
    }
    if (Date.now() - t0 > 5 * 60_000) throw new Error(`${engine} run ${runId} did not finish in 5 minutes (status ${run.status})`);
  }
}

// ---- report -----------------------------------------------------------------------------------

function machine() {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown CPU';
  return `${model}, ${cpus().length} cores (Linux ${process.platform === 'linux' ? readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() : process.platform}, Node ${process.version})`;
}

const fmt = (x, d = 3) => x.toFixed(d);

function summarize(rows) {
  return ENGINES.map((engine) => {
    const rs = rows.filter((r) => r.engine === engine);
    const standalone = median(rs.map((r) => r.standaloneMs));
    const platform = median(rs.map((r) => r.platformMs));
    const ratios = rs.map((r) => r.platformMs / r.standaloneMs);
    const ratio = platform / standalone;
    return { engine, standalone, platform, ratio, ratios, within: ratio >= TARGET[0] && ratio <= TARGET[1] };
  });
}

function table(summary) {
  const head = '| engine | standalone median (ms) | platform median (ms) | ratio | per-round ratios (min / median / max) | within 0.95-1.05 |';
  const sep = '|---|---:|---:|---:|---|---|';
  const lines = summary.map(
    (s) =>
      `| ${s.engine}${s.engine === 'tflite' ? ' *' : ''} | ${fmt(s.standalone)} | ${fmt(s.platform)} | ${fmt(s.ratio)} | ${fmt(Math.min(...s.ratios))} / ${fmt(median(s.ratios))} / ${fmt(Math.max(...s.ratios))} | ${s.within ? 'yes' : 'no'} |`,
  );
  return [head, sep, ...lines].join('\n');
}

function roundTable(rows) {
  const head = '| round | engine | first | standalone median (ms) | platform median (ms) | ratio | platform job wall time (s) |';
  const sep = '|---:|---|---|---:|---:|---:|---:|';
  return [head, sep, ...rows.map((r) => `| ${r.round + 1} | ${r.engine} | ${r.first} | ${fmt(r.standaloneMs)} | ${fmt(r.platformMs)} | ${fmt(r.platformMs / r.standaloneMs)} | ${fmt(r.wallMs / 1000, 1)} |`)].join('\n');
}

const BEGIN = '<!-- platform-overhead:generated:begin -->';
const END = '<!-- platform-overhead:generated:end -->';

/** Rewrites only the generated block of the "Platform overhead" section; hand-written reading below it is kept. */
function updateReadme(block) {
  const generated = `${BEGIN}\n${block}\n${END}`;
  mkdirSync(dirname(README), { recursive: true });
  let text = existsSync(README) ? readFileSync(README, 'utf8') : '# Benchmarks\n';
  const headingRe = /^## Platform overhead[^\n]*$/m;
  const h = headingRe.exec(text);
  if (!h) {
    text = `${text.replace(/\s*$/, '')}\n\n## Platform overhead\n\n${generated}\n`;
  } else {
    const start = h.index + h[0].length;
    const nextRel = text.slice(start).search(/^## /m);
    const end = nextRel < 0 ? text.length : start + nextRel;
    let section = text.slice(start, end);
    const b = section.indexOf(BEGIN);
    const e = section.indexOf(END);
    section = b >= 0 && e > b ? section.slice(0, b) + generated + section.slice(e + END.length) : `\n\n${generated}\n${section.replace(/^\s*/, '\n')}`;
    text = text.slice(0, start) + section + text.slice(end);
  }
  writeFileSync(README, text.replace(/\n*$/, '\n'));
}

// ---- main -------------------------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const command = `node bench/platform/overhead.mjs --rounds ${o.rounds} --runs ${o.runs} --warmup ${o.warmup}`;
  const { fetchSampleModels } = await import(pathToFileURL(join(root, 'scripts/fetch-sample-models.mjs')).href);
  const models = fetchSampleModels();
  const { startFarmStack } = await import(pathToFileURL(join(root, 'scripts/lib/farm-stack.mjs')).href);
  const { synthesizeInputs } = await import(pathToFileURL(join(agentDist, 'runners/input-synthesis.js')).href);

  const farmDir = mkdtempSync(join(tmpdir(), 'farm-overhead-'));
  let stack;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (stack) await stack.stop().catch((e) => log(`stopping the stack: ${e.message}`));
    rmSync(farmDir, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void stop().then(() => process.exit(130)));

  try {
    const [port, pgPort] = [await freePort(), await freePort()];
    stack = await startFarmStack({ farmDir, port, pgPort, log, onExit: (name, logPath) => log(`${name} exited unexpectedly; see ${logPath}`) });
    const onnx = await upload(stack.apiUrl, models.onnx, { name: 'BlazeFace (overhead bench)' });
    const tflite = await upload(stack.apiUrl, models.tflite, { modelId: onnx.model.id });
    const artifacts = tflite.model.artifacts;
    const onnxArtifact = artifacts.find((a) => a.id === onnx.artifactId);
    const tfliteArtifact = artifacts.find((a) => a.id === tflite.artifactId);
    log(`model ${onnx.model.id}: onnx ${onnxArtifact.id}, tflite ${tfliteArtifact.id}; device ${stack.device.name}`);

    // The same bytes the agent synthesises from the API's view of the artifact.
    const onnxInputs = synthesizeInputs(onnxArtifact.inputs, SEED);
    const inputDir = join(farmDir, 'standalone-inputs');
    mkdirSync(inputDir);
    const opencvInputs = onnxInputs.map((t, i) => {
      const file = join(inputDir, `input-${i}.bin`);
      writeFileSync(file, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      return { name: t.name, shape: t.shape, file };
    });

    const standalone = {
      onnxruntime: () => standaloneOrt(models.onnx, onnxInputs, o),
      'opencv-dnn': () => standaloneOpencv(models.onnx, opencvInputs, o),
      tflite: () => standaloneTflite(models.tflite, tfliteArtifact, o),
    };
    const t0 = Date.now();
    const rows = [];
    for (let round = 0; round < o.rounds; round++) {
      for (const engine of ENGINES) {
        const platformFirst = round % 2 === 1;
        let s;
        let p;
        if (platformFirst) p = await platformRun(stack, onnx.model.id, engine, o);
        s = await standalone[engine]();
        if (!platformFirst) p = await platformRun(stack, onnx.model.id, engine, o);
        if (p.latencies.length !== o.runs || s.length !== o.runs) throw new Error(`${engine}: expected ${o.runs} latencies, got standalone ${s.length}, platform ${p.latencies.length}`);
        const row = { round, engine, first: platformFirst ? 'platform' : 'standalone', standaloneMs: median(s), platformMs: median(p.latencies), apiMedianMs: p.apiMedianMs, wallMs: p.wallMs };
        rows.push(row);
        log(`round ${round + 1}/${o.rounds} ${engine.padEnd(11)} standalone ${fmt(row.standaloneMs)} ms  platform ${fmt(row.platformMs)} ms (API median ${fmt(row.apiMedianMs)})  ratio ${fmt(row.platformMs / row.standaloneMs)}`);
      }
    }
    const totalS = (Date.now() - t0) / 1000;
    const summary = summarize(rows);
    const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const verdicts = summary.map((s) =>
      s.within
        ? `- ${s.engine}: ratio ${fmt(s.ratio)}, within the 0.95-1.05 target.`
        : `- ${s.engine}: ratio ${fmt(s.ratio)}, OUTSIDE the 0.95-1.05 target (per-round ${fmt(Math.min(...s.ratios))}-${fmt(Math.max(...s.ratios))}).`,
    );
    const block = [
      `Command: \`${command}\` (${o.rounds} rounds x ${ENGINES.length} engines, ${o.warmup} warm-up + ${o.runs} timed runs per measurement, 1 thread, seed ${SEED}; platform jobs also do ${PROFILE_RUNS} profiled runs after the timed ones; measured in ${fmt(totalS, 0)} s)`,
      '',
      `Date: ${date}  `,
      `Machine: ${machine()}`,
      '',
      table(summary),
      '',
      '\\* TFLite (WebAssembly build) has no standalone CLI: its standalone side is the agent\'s `TfliteRunner` class called in-process, so its ratio is the cost of the queue, agent and runner-host child process around the same engine wrapper, not platform vs bare TFLite. ONNX Runtime\'s standalone side is a plain onnxruntime-node loop; OpenCV DNN\'s is `opencv_runner` run directly.',
      '',
      'Medians are the median over rounds of each round\'s median latency; the ratio is platform / standalone of those. Each round runs both sides back to back per engine, alternating which goes first.',
      '',
      ...verdicts,
      '',
      '<details><summary>Per-round medians</summary>',
      '',
      roundTable(rows),
      '',
      '</details>',
    ].join('\n');

    process.stdout.write(`\n${command}\n${date}  ${machine()}\n\n${table(summary)}\n\n${verdicts.join('\n')}\n\n${roundTable(rows)}\n`);
    updateReadme(block);
    log(`wrote the "Platform overhead" section of ${README}`);
  } finally {
    await stop();
  }
}

main().catch((e) => {
  process.stderr.write(`[overhead] error: ${e instanceof Error ? e.stack : e}\n`);
  process.exitCode = 1;
});
