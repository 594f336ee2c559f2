#!/usr/bin/env node
// What interleaving finer than a job would give the paired confirmation: real A/A sessions in which
// A and B (two ONNX Runtime sessions of the same BlazeFace file, created as the agent's runner
// creates its one: 1 thread, sequential, all graph optimizations) alternate inference by inference
// in one process, so a neighbour that takes the core hits both sides alike. This is NOT what the
// farm does today (a job runs one artifact; a paired confirmation alternates whole jobs, see
// collect-pairs.mjs): it measures a runner mode that does not exist yet, on the real engine. The
// output has the layout of pairs.json (each session cut into rounds of `runs` inferences per side),
// so simulate.mjs --pairs reads it.
//
//   node bench/nightly/interleave.mjs [--sessions 60] [--rounds 3] [--runs 50] [--warmup 10] [--gap-ms 3000]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { RUNNER_ORT_OPTIONS } from '../lib/ort-options.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const o = { sessions: 60, rounds: 3, runs: 50, warmup: 10, 'gap-ms': 3000, out: join(here, 'interleaved.json') };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in o)) throw new Error(`unknown argument ${argv[i]} (use --sessions N --rounds R --runs N --warmup N --gap-ms MS --out FILE)`);
  o[key] = key === 'out' ? argv[++i] : Number(argv[++i]);
}

const model = readFileSync(join(root, '.cache/models/blazeface_front_128.onnx'));
const a = await ort.InferenceSession.create(model, RUNNER_ORT_OPTIONS);
const b = await ort.InferenceSession.create(model, RUNNER_ORT_OPTIONS);
const input = a.inputNames[0];
const feeds = { [input]: new ort.Tensor('float32', new Float32Array(128 * 128 * 3).fill(0.5), [1, 128, 128, 3]) };

async function timed(s) {
  const start = process.hrtime.bigint();
  await s.run(feeds);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const cell = 'onnxruntime on vm (desktop)';
const sessions = [];
for (let s = 0; s < o.sessions; s++) {
  for (let i = 0; i < o.warmup; i++) {
    await timed(a);
    await timed(b);
  }
  const rounds = [];
  for (let r = 0; r < o.rounds; r++) {
    const round = { a: [], b: [] };
    // A first on even inferences, B first on odd ones, so neither side always runs right after the other.
    for (let i = 0; i < o.runs; i++) {
      if (i % 2 === 0) {
        round.a.push(await timed(a));
        round.b.push(await timed(b));
      } else {
        round.b.push(await timed(b));
        round.a.push(await timed(a));
      }
    }
    rounds.push(round);
  }
  sessions.push(rounds);
  const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  process.stdout.write(`session ${s + 1}/${o.sessions}: B/A ${rounds.map((r) => (med(r.b) / med(r.a)).toFixed(3)).join(' ')}\n`);
  await new Promise((res) => setTimeout(res, o['gap-ms']));
}
writeFileSync(
  o.out,
  `${JSON.stringify({ collectedAt: new Date().toISOString(), runsPerJob: o.runs, rounds: o.rounds, device: 'vm (desktop), A and B interleaved per inference in one process (not the farm path)', cells: { [cell]: sessions } }, null, 1)}\n`,
);
process.stdout.write(`wrote ${o.out}\n`);
