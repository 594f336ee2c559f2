#!/usr/bin/env node
// Instructions per inference, counted by valgrind's callgrind (this VM exposes no hardware
// counters: `perf stat -e instructions true` reports "<not supported>"), for our int8 runtime and
// for ONNX Runtime (int8 QDQ and fp32) on the same models and input as bench/int8/run.mjs.
//
// Method: callgrind collects only inside the inference call (--collect-atstart=no
// --toggle-collect=FN) and writes one profile per call (--dump-after=FN), so nothing of process
// start-up, model loading, the JS around the call, or other threads is counted, and every call
// gets its own count in one process:
//   ours  FN = farm::Runtime::run()                      in int8-runner (one plan run; plan loaded before)
//   ORT   FN = InferenceSessionWrap::Run(Napi::CallbackInfo const&)  in onnxruntime-node's binding,
//         i.e. OrtApi Run plus the binding's conversion of the JS feeds and fetches (bench/int8/ort-loop.mjs)
// The figure is the median over calls 3..N: ORT's first two calls execute more (call 1 about 3%
// more on BlazeFace int8, call 2 about 1.5%: one-off allocations and caches); call 1 is shown too.
// Ours executes the same count on every call. The whole measurement is repeated (--repeats) to show that it reproduces.
// Caveat: callgrind runs the program on a synthetic CPU; both engines see the same CPUID (AVX2,
// FMA; our runner reports isa avx2 under it), so they take the code paths they take natively.
//
//   node bench/int8/instructions.mjs [--mnv2-size S] [--calls N] [--repeats R] [--jobs J]
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_RUNNER } from '@farm/int8-compiler';
import { median } from '../lib/intervals.mjs';
import { prepareNetworks, root } from './networks.mjs';

const ORT_LOOP = join(root, 'bench/int8/ort-loop.mjs');
const COLD_CALLS = 2; // calls left out of the steady figure
export const ENGINES = ['ours', 'ortInt8', 'ortFp32'];
export const ENGINE_LABEL = { ours: 'ours int8 (int8-runner)', ortInt8: 'ORT int8 (same QDQ)', ortFp32: 'ORT fp32' };
// Exact demangled names: --dump-after does not take the wildcards --toggle-collect does.
const ORT_RUN = 'InferenceSessionWrap::Run(Napi::CallbackInfo const&)';
const FN = { ours: 'farm::Runtime::run()', ortInt8: ORT_RUN, ortFp32: ORT_RUN };

export function valgrindVersion() {
  try {
    return execFileSync('valgrind', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

function engineArgv(net, engine, calls) {
  if (engine === 'ours')
    return [
      DEFAULT_RUNNER,
      '--model',
      net.compiled.planPath,
      '--input',
      `${net.inputName}:${net.dims.join('x')}:${net.files.input}`,
      '--warmup',
      '0',
      '--runs',
      String(calls - 1),
      '--profile-runs',
      '0',
      '--threads',
      '1',
    ];
  return [process.execPath, ORT_LOOP, engine === 'ortInt8' ? net.files.qdq : net.files.fp32, net.inputName, net.dims.join('x'), net.files.input, String(calls)];
}

/**
 * Self instructions per ELF object in one callgrind dump, read from the file itself: every cost line
 * counts for the object of the current `fn=`, except the line after `calls=`, which is a callee's
 * inclusive cost. (callgrind_annotate's listing of later dumps repeats the start-up frames' inherited
 * costs, so its per-function lines cannot be summed.)
 */
function byObject(file) {
  const names = new Map();
  const name = (spec) => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (!m) return spec;
    if (m[2] !== undefined) names.set(m[1], m[2]);
    return names.get(m[1]);
  };
  const objects = {};
  let ob = '?';
  let skipNext = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('ob=')) ob = basename(name(line.slice(3)) ?? '?');
    else if (line.startsWith('cob='))
      name(line.slice(4)); // registers a compressed name used later
    else if (line.startsWith('calls=')) skipNext = true;
    else if (/^[\d+*-]/.test(line)) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      const ir = Number(line.trim().split(/\s+/)[1] ?? 0);
      if (ir) objects[ob] = (objects[ob] ?? 0) + ir;
    }
  }
  return objects;
}

/** One engine on one network under callgrind: instructions of each inference call, in call order. */
export function countCalls(net, engine, calls) {
  if (calls <= COLD_CALLS) throw new Error(`--calls must exceed the ${COLD_CALLS} cold calls`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  const out = join(dir, 'cg.out');
  const argv = [
    '--tool=callgrind',
    `--callgrind-out-file=${out}`,
    '--collect-atstart=no',
    `--toggle-collect=${FN[engine]}`,
    `--dump-after=${FN[engine]}`,
    ...engineArgv(net, engine, calls),
  ];
  return new Promise((done, fail) => {
    execFile('valgrind', argv, { maxBuffer: 64 << 20, timeout: 20 * 60_000 }, (err, _stdout, stderr) => {
      try {
        if (err) throw new Error(`valgrind ${engine} ${net.name} failed: ${err.message}\n${stderr.slice(-2000)}`);
        const parts = readdirSync(dir)
          .filter((f) => /^cg\.out\.\d+$/.test(f))
          .sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
        const perCall = parts.map((f) => Number(/^totals: (\d+)$/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1]));
        if (perCall.length !== calls || perCall.some((v) => !(v > 0)))
          throw new Error(`${engine} ${net.name}: expected ${calls} non-empty per-call dumps, got [${perCall.join(', ')}]`);
        done({ perCall, steady: median(perCall.slice(COLD_CALLS)), first: perCall[0], objects: byObject(join(dir, parts[parts.length - 1])) });
      } catch (e) {
        fail(e);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

async function pool(tasks, jobs) {
  const results = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

/** Counts every engine on every network `repeats` times; returns rows { network, engine, runs: [count result per repeat] }. */
export async function countInstructions(networks, { calls = 6, repeats = 2, jobs = 2, log = () => {} } = {}) {
  const keys = [];
  for (let r = 0; r < repeats; r++) for (const net of networks) for (const engine of ENGINES) keys.push({ r, net, engine });
  const results = await pool(
    keys.map((k) => async () => {
      const t0 = Date.now();
      const res = await countCalls(k.net, k.engine, calls);
      log(
        `callgrind repeat ${k.r + 1} ${k.net.name} ${k.engine}: ${res.perCall.join(' / ')} instructions per call (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      );
      return res;
    }),
    jobs,
  );
  return networks.flatMap((net) =>
    ENGINES.map((engine) => ({
      network: net.name,
      engine,
      runs: keys.map((k, i) => (k.net === net && k.engine === engine ? results[i] : null)).filter(Boolean),
    })),
  );
}

const M = (v) => (v / 1e6).toFixed(3);
const share = (objects, name) => {
  const total = Object.values(objects).reduce((a, b) => a + b, 0);
  return total ? ((100 * (objects[name] ?? 0)) / total).toFixed(1) : '-';
};

/** Markdown table: instructions per inference per repeat, first call, where they run, and the ratio to ours per repeat. */
export function instructionTable(rows) {
  const repeats = rows[0].runs.length;
  const lines = [
    `| network | engine | instructions per inference, millions (${Array.from({ length: repeats }, (_, i) => `run ${i + 1}`).join(' / ')}) | first call (M) | in the engine's own library | instructions / ours (${Array.from({ length: repeats }, (_, i) => `run ${i + 1}`).join(' / ')}) |`,
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const ours = rows.find((r) => r.network === row.network && r.engine === 'ours');
    const lib = row.engine === 'ours' ? 'int8-runner' : 'libonnxruntime.so.1';
    const last = row.runs[row.runs.length - 1];
    const ratio = row.engine === 'ours' ? '-' : row.runs.map((x, i) => (x.steady / ours.runs[i].steady).toFixed(3)).join(' / ');
    lines.push(
      `| ${row.network} | ${ENGINE_LABEL[row.engine]} | ${row.runs.map((x) => M(x.steady)).join(' / ')} | ${M(last.first)} | ${share(last.objects, lib)}% | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const o = { mnv2Size: opt('mnv2-size', 224), calls: opt('calls', 6), repeats: opt('repeats', 2), jobs: opt('jobs', 2) };
  if (!valgrindVersion()) throw new Error('valgrind not found (apt-get install -y valgrind)');
  const networks = await prepareNetworks({ mnv2Size: o.mnv2Size });
  const rows = await countInstructions(networks, { ...o, log: (l) => process.stderr.write(`[instructions] ${l}\n`) });
  console.log(
    `node bench/int8/instructions.mjs --mnv2-size ${o.mnv2Size} --calls ${o.calls} --repeats ${o.repeats}  (${valgrindVersion()}, ${new Date().toISOString()})\n`,
  );
  console.log(instructionTable(rows));
  for (const row of rows)
    for (const [i, x] of row.runs.entries())
      console.log(`${row.network} ${row.engine} run ${i + 1}: per call ${x.perCall.join(', ')}; by object ${JSON.stringify(x.objects)}`);
  for (const net of networks) rmSync(net.dir, { recursive: true, force: true });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
