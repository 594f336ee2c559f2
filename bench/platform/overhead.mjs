#!/usr/bin/env node
// Platform overhead: each engine timed standalone and through the farm (API -> queue -> agent ->
// runner-host child process), side by side in one run, on the bundled BlazeFace samples, one
// thread. Reports per engine platform median / standalone median; the target is 0.95-1.05.
//
//   node bench/platform/overhead.mjs [--rounds R] [--runs N] [--warmup W] [--engines a,b] [--cpu C|none]
//
// Standalone means the engine with as little of ours around it as exists:
//   onnxruntime  a plain onnxruntime-node loop in its own process (standalone.mjs);
//   opencv-dnn   the native opencv_runner binary, run directly (it times its own forward() calls);
//   tflite       the TfliteRunner class in its own process (standalone.mjs): the wasm runtime has
//                no standalone CLI, so this side compares the queue/agent/runner-host path against
//                the same engine wrapper without them, not against "bare" TFLite.
// Each run rewrites the generated block of bench/README.md's "Platform overhead" section.
// Each round sandwiches one platform job between two standalone measurements (S P S), so the
// host's slow and fast spells (this VM's speed jumps by ~1.6x for 0.25-10 s at a time, on its own)
// land on both sides. The verdict uses the paired estimate: the median over rounds of
// platform median / geometric mean of the two standalone medians, with a bootstrap 95% interval
// over rounds. Standalone after / before, through the same estimator, is the A/A control.
// The ratio of the per-side medians over rounds is reported beside it.
// Spread gets the same treatment: each measurement's robust spread (IQR / median, libs/stats),
// platform against the mean of the two standalone spreads around it, per round, with the median
// over rounds and its interval; a platform that adds no spread of its own reads about 1.
// Both sides run on one CPU (default: the last): this script pins itself there once the stack is up,
// and the agent pins its runners there (RUNNER_CPUS). On this VM each vCPU speeds up and slows
// down on its own, so an unpinned pair can compare a fast vCPU with a slow one. --cpu none
// leaves both to the scheduler.
import { execFile } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pinProcessTree } from '../lib/cpu.mjs';
import { bootstrapInterval, bootstrapMedianInterval, median } from '../lib/intervals.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { latencyStats } = await import(pathToFileURL(join(root, 'libs/stats/dist/index.js')).href);
const agentDist = join(root, 'device-agents/agent/dist');
const OPENCV_RUNNER = join(root, 'device-agents/opencv-runner/build/opencv_runner');
const STANDALONE = join(here, 'standalone.mjs');
const README = join(root, 'bench/README.md');
const ALL_ENGINES = ['onnxruntime', 'opencv-dnn', 'tflite'];
const SEED = 42; // the API's default seed, so both sides feed the same bytes
const PROFILE_RUNS = 2; // the platform always profiles after the timed runs; keep that short
const TARGET = [0.95, 1.05];

function parseArgs(argv) {
  const o = { rounds: 5, runs: 200, warmup: 20, engines: ALL_ENGINES, cpu: String(cpus().length - 1) };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown argument ${argv[i]} (use --rounds R --runs N --warmup W --engines a,b --cpu C|none)`);
    if (key === 'engines') {
      const list = String(argv[++i] ?? '')
        .split(',')
        .filter(Boolean);
      const bad = list.filter((e) => !ALL_ENGINES.includes(e));
      if (list.length === 0 || bad.length) throw new Error(`--engines takes a comma-separated subset of ${ALL_ENGINES.join(',')}; got "${argv[i]}"`);
      o.engines = ALL_ENGINES.filter((e) => list.includes(e));
      continue;
    }
    if (key === 'cpu') {
      const c = String(argv[++i] ?? '');
      if (c !== 'none' && !(/^\d+$/.test(c) && Number(c) < cpus().length))
        throw new Error(`--cpu takes a CPU number below ${cpus().length}, or none; got "${c}"`);
      o.cpu = c;
      continue;
    }
    const v = Number(argv[++i]);
    if (!Number.isInteger(v) || v < (key === 'warmup' ? 0 : 1)) throw new Error(`--${key} needs a positive integer, got "${argv[i]}"`);
    o[key] = v;
  }
  return o;
}

const log = (line) => process.stderr.write(`[overhead] ${line}\n`);

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

/** argv prefixed with taskset when a benchmark CPU is set, so the process and its threads start there. */
const pinnedArgv = (cpu, argv) => (cpu === 'none' ? argv : ['taskset', '--cpu-list', cpu, ...argv]);

function execJson(argv, what) {
  return new Promise((done, fail) => {
    execFile(argv[0], argv.slice(1), { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`${what} failed: ${err.message}; ${stderr.trim().slice(-2000)}`));
      const report = JSON.parse(stdout.trim().split('\n').pop());
      if (!Array.isArray(report.latenciesMs)) return fail(new Error(`${what} printed no latencies: ${stdout.slice(0, 500)}`));
      done(report.latenciesMs);
    });
  });
}

function standaloneOpencv(modelPath, inputFiles, o) {
  const argv = [OPENCV_RUNNER, '--model', modelPath];
  for (const f of inputFiles) argv.push('--input', `${f.name}:${f.shape.join('x')}:${f.file}`);
  argv.push('--threads', '1', '--warmup', String(o.warmup), '--runs', String(o.runs), '--profile-runs', '0');
  return execJson(pinnedArgv(o.cpu, argv), 'opencv_runner');
}

/** onnxruntime and tflite: bench/platform/standalone.mjs in its own (pinned) process. */
function standaloneNode(engine, specFile, o) {
  return execJson(pinnedArgv(o.cpu, [process.execPath, STANDALONE, specFile]), `standalone ${engine}`);
}

// ---- platform side ----------------------------------------------------------------------------

/** The farm's admin key (writes need a key); set once the stack is up. */
let apiKey = '';

async function api(apiUrl, method, path, body) {
  const auth = { authorization: `Bearer ${apiKey}` };
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    ...(body instanceof FormData
      ? { body, headers: auth }
      : body
        ? { body: JSON.stringify(body), headers: { ...auth, 'content-type': 'application/json' } }
        : { headers: auth }),
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

function summarize(rows, engines) {
  return engines.map((engine) => {
    const rs = rows.filter((r) => r.engine === engine);
    const standalone = median(rs.map((r) => r.standaloneMs));
    const platform = median(rs.map((r) => r.platformMs));
    const ratios = rs.map((r) => r.platformMs / r.standaloneMs);
    const paired = median(ratios);
    const ci = bootstrapMedianInterval(ratios, { seed: SEED });
    // The same estimator on standalone vs standalone (after / before): what it reads when nothing differs.
    const controls = rs.map((r) => r.afterMs / r.beforeMs);
    const control = { paired: median(controls), ci: bootstrapMedianInterval(controls, { seed: SEED }) };
    const inBand = (x) => x >= TARGET[0] && x <= TARGET[1];
    // Ratio of the per-side medians, resampling whole rounds for its interval (reference only: the paired ratio decides).
    const ratioOfMediansCi = bootstrapInterval(rs.length, (idx) => median(idx.map((i) => rs[i].platformMs)) / median(idx.map((i) => rs[i].standaloneMs)), {
      seed: SEED,
    });
    return {
      engine,
      standalone,
      platform,
      ratioOfMedians: platform / standalone,
      ratioOfMediansCi,
      ratios,
      paired,
      ci,
      control,
      within: inBand(paired),
      ciWithin: inBand(ci[0]) && inBand(ci[1]),
    };
  });
}

function table(summary) {
  const head =
    '| engine | standalone median (ms) | platform median (ms) | paired ratio (median of per-round ratios) | 95% interval | control: standalone after / before (95% interval) | ratio of medians (95% interval) | per-round ratios (min / max) | within 0.95-1.05 |';
  const sep = '|---|---:|---:|---:|---|---|---:|---|---|';
  const lines = summary.map(
    (s) =>
      `| ${s.engine}${s.engine === 'tflite' ? ' *' : ''} | ${fmt(s.standalone)} | ${fmt(s.platform)} | ${fmt(s.paired)} | ${fmt(s.ci[0])}-${fmt(s.ci[1])} | ${fmt(s.control.paired)} (${fmt(s.control.ci[0])}-${fmt(s.control.ci[1])}) | ${fmt(s.ratioOfMedians)} (${fmt(s.ratioOfMediansCi[0])}-${fmt(s.ratioOfMediansCi[1])}) | ${fmt(Math.min(...s.ratios))} / ${fmt(Math.max(...s.ratios))} | ${s.within ? (s.ciWithin ? 'yes (interval too)' : 'yes (interval not)') : 'no'} |`,
  );
  return [head, sep, ...lines].join('\n');
}

/** Robust spread (IQR / median) of each side, per engine: medians over rounds, and the paired platform / standalone ratio. */
function spreadTable(rows, engines) {
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const head =
    '| engine | standalone IQR/median (median over rounds) | platform IQR/median | paired spread ratio platform / standalone (95% interval) | outliers per measurement, standalone / platform (median) |';
  const sep = '|---|---:|---:|---|---|';
  const lines = engines.map((engine) => {
    const rs = rows.filter((r) => r.engine === engine);
    const ratios = rs.map((r) => r.platformSpread / Math.max(r.standaloneSpread, 1e-9));
    const ci = bootstrapMedianInterval(ratios, { seed: SEED });
    return `| ${engine} | ${pct(median(rs.map((r) => r.standaloneSpread)))} | ${pct(median(rs.map((r) => r.platformSpread)))} | ${fmt(median(ratios), 2)} (${fmt(ci[0], 2)}-${fmt(ci[1], 2)}) | ${median(rs.map((r) => r.standaloneOutliers))} / ${median(rs.map((r) => r.platformOutliers))} |`;
  });
  return [head, sep, ...lines].join('\n');
}

function roundTable(rows) {
  const head = '| round | engine | standalone before (ms) | platform (ms) | standalone after (ms) | ratio | platform job wall time (s) |';
  const sep = '|---:|---|---:|---:|---:|---:|---:|';
  return [
    head,
    sep,
    ...rows.map(
      (r) =>
        `| ${r.round + 1} | ${r.engine} | ${fmt(r.beforeMs)} | ${fmt(r.platformMs)} | ${fmt(r.afterMs)} | ${fmt(r.platformMs / r.standaloneMs)} | ${fmt(r.wallMs / 1000, 1)} |`,
    ),
  ].join('\n');
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
  const command = `node bench/platform/overhead.mjs --rounds ${o.rounds} --runs ${o.runs} --warmup ${o.warmup}${o.engines.length < ALL_ENGINES.length ? ` --engines ${o.engines.join(',')}` : ''} --cpu ${o.cpu}`;
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
    const pinned = o.cpu !== 'none';
    stack = await startFarmStack({
      farmDir,
      port,
      pgPort,
      log,
      onExit: (name, logPath) => log(`${name} exited unexpectedly; see ${logPath}`),
      agentEnv: pinned ? { RUNNER_CPUS: o.cpu } : {},
    });
    apiKey = stack.apiKey;
    // The benchmark CPU is kept for the measured processes alone: this script, the API, the agent and
    // Postgres (all descendants of this process) move to the other CPUs, as a farm host that reserves
    // cores for its runners would be set up. Standalone sides and the agent's runners start on it.
    if (pinned) {
      const others = cpus()
        .map((_, i) => i)
        .filter((i) => String(i) !== o.cpu)
        .join(',');
      // Postgres runs detached (pg_ctl), so its tree hangs off the postmaster, not off this script.
      const postmaster = Number(readFileSync(join(stack.pgDataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const moved = pinProcessTree(process.pid, others) + pinProcessTree(postmaster, others);
      log(
        `benchmark CPU ${o.cpu}: standalone sides and the agent's runners (RUNNER_CPUS) run there; ${moved} processes of this script and the farm moved to CPU ${others}`,
      );
    }
    const onnx = await upload(stack.apiUrl, models.onnx, { name: 'BlazeFace (overhead bench)' });
    const tflite = await upload(stack.apiUrl, models.tflite, { modelId: onnx.model.id });
    const artifacts = tflite.model.artifacts;
    const onnxArtifact = artifacts.find((a) => a.id === onnx.artifactId);
    const tfliteArtifact = artifacts.find((a) => a.id === tflite.artifactId);
    log(`model ${onnx.model.id}: onnx ${onnxArtifact.id}, tflite ${tfliteArtifact.id}; device ${stack.device.name}`);

    // The same bytes the agent synthesises from the API's view of the artifact.
    const onnxInputs = synthesizeInputs(onnxArtifact.inputs, SEED);
    const specFile = (engine, artifact, modelPath) => {
      const file = join(farmDir, `standalone-${engine}.json`);
      writeFileSync(
        file,
        JSON.stringify({ engine, modelPath, inputs: artifact.inputs, outputs: artifact.outputs, warmup: o.warmup, runs: o.runs, seed: SEED }),
      );
      return file;
    };
    const ortSpec = specFile('onnxruntime', onnxArtifact, models.onnx);
    const tfliteSpec = specFile('tflite', tfliteArtifact, models.tflite);
    const inputDir = join(farmDir, 'standalone-inputs');
    mkdirSync(inputDir);
    const opencvInputs = onnxInputs.map((t, i) => {
      const file = join(inputDir, `input-${i}.bin`);
      writeFileSync(file, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      return { name: t.name, shape: t.shape, file };
    });

    const standalone = {
      onnxruntime: () => standaloneNode('onnxruntime', ortSpec, o),
      'opencv-dnn': () => standaloneOpencv(models.onnx, opencvInputs, o),
      tflite: () => standaloneNode('tflite', tfliteSpec, o),
    };
    const t0 = Date.now();
    const rows = [];
    for (let round = 0; round < o.rounds; round++) {
      for (const engine of o.engines) {
        const before = await standalone[engine]();
        const p = await platformRun(stack, onnx.model.id, engine, o);
        const after = await standalone[engine]();
        if (p.latencies.length !== o.runs || before.length !== o.runs || after.length !== o.runs) {
          throw new Error(`${engine}: expected ${o.runs} latencies, got standalone ${before.length}/${after.length}, platform ${p.latencies.length}`);
        }
        const beforeMs = median(before);
        const afterMs = median(after);
        const [sb, sp, sa] = [before, p.latencies, after].map((l) => latencyStats(l));
        const row = {
          round,
          engine,
          beforeMs,
          afterMs,
          standaloneMs: Math.sqrt(beforeMs * afterMs),
          platformMs: median(p.latencies),
          apiMedianMs: p.apiMedianMs,
          wallMs: p.wallMs,
          standaloneSpread: (sb.robustSpread + sa.robustSpread) / 2,
          platformSpread: sp.robustSpread,
          standaloneOutliers: (sb.outliersLow + sb.outliersHigh + sa.outliersLow + sa.outliersHigh) / 2,
          platformOutliers: sp.outliersLow + sp.outliersHigh,
        };
        rows.push(row);
        log(
          `round ${round + 1}/${o.rounds} ${engine.padEnd(11)} standalone ${fmt(beforeMs)} / ${fmt(afterMs)} ms  platform ${fmt(row.platformMs)} ms (API median ${fmt(row.apiMedianMs)})  ratio ${fmt(row.platformMs / row.standaloneMs)}`,
        );
      }
    }
    const totalS = (Date.now() - t0) / 1000;
    const summary = summarize(rows, o.engines);
    const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const verdicts = summary.map((s) =>
      s.within
        ? `- ${s.engine}: paired ratio ${fmt(s.paired)} (95% interval ${fmt(s.ci[0])}-${fmt(s.ci[1])}), within the 0.95-1.05 target${s.ciWithin ? ', and so is the whole interval' : '; the interval reaches outside it'}.`
        : `- ${s.engine}: paired ratio ${fmt(s.paired)} (95% interval ${fmt(s.ci[0])}-${fmt(s.ci[1])}), OUTSIDE the 0.95-1.05 target.`,
    );
    const block = [
      `Command: \`${command}\` (${o.rounds} rounds x ${o.engines.length} engines, ${o.warmup} warm-up + ${o.runs} timed runs per measurement, 1 thread, seed ${SEED}; platform jobs also do ${PROFILE_RUNS} profiled runs after the timed ones; measured in ${fmt(totalS, 0)} s)`,
      '',
      `Date: ${date}  `,
      `Machine: ${machine()}`,
      '',
      table(summary),
      '',
      "\\* TFLite (WebAssembly build) has no standalone CLI: its standalone side is the agent's `TfliteRunner` class in a plain Node process (`bench/platform/standalone.mjs`), so its ratio is the cost of the queue, the agent and the runner host around the same engine wrapper, not platform vs bare TFLite. ONNX Runtime's standalone side is a plain onnxruntime-node loop in such a process; OpenCV DNN's is `opencv_runner` run directly. Standalone processes start on the benchmark CPU (`--cpu`).",
      '',
      "Each round runs standalone, then one platform job, then standalone again (S P S), per engine. A round's ratio is the platform job's median latency over the geometric mean of the two standalone medians around it (geometric, so a fast and a slow spell weigh the same either way round). The paired ratio, which decides the verdict, is the median of those per-round ratios; its 95% interval is a percentile bootstrap over rounds. The control applies the same estimator to two measurements of the same thing (each round's standalone after / before), so its distance from 1.000 and its interval show what this machine's noise alone reads as. The standalone and platform medians, and their ratio, are medians over rounds of each round's median, shown for reference; that ratio's interval resamples whole rounds.",
      '',
      ...verdicts,
      '',
      'Spread (robust: IQR / median of each measurement; outliers by Tukey fences, kept in every figure):',
      '',
      spreadTable(rows, o.engines),
      '',
      '<details><summary>Per-round medians</summary>',
      '',
      roundTable(rows),
      '',
      '</details>',
    ].join('\n');

    process.stdout.write(
      `\n${command}\n${date}  ${machine()}\n\n${table(summary)}\n\n${verdicts.join('\n')}\n\n${spreadTable(rows, o.engines)}\n\n${roundTable(rows)}\n`,
    );
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
