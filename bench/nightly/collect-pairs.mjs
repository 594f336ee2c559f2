#!/usr/bin/env node
// Collects real back-to-back A/A sessions for the paired-confirmation simulation (simulate.mjs
// --pairs): per session, the bundled BlazeFace model benchmarked A, B, A, B, ... on the same
// device through a running farm (API -> queue -> agent -> runner), every job queued at once as a
// paired confirmation queues them, so the device's queue runs them back to back in that order.
// A and B are the same artifact: the simulation injects the shift into B. Sessions are spread
// over the collection, so they see the host's drift between sessions as nights do. Every raw
// per-iteration latency goes to bench/nightly/pairs.json. Nothing here is synthetic.
//
//   npm run farm        # in another shell (FARM_PORT etc. to move it off the defaults)
//   FARM_API_KEY=$(cat .farm/api-key) node bench/nightly/collect-pairs.mjs --api http://127.0.0.1:3000 [--sessions 30] [--rounds 3] [--runs 50] [--out bench/nightly/pairs.json]
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTarget } from './bench-target.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const OUT = join(here, 'pairs.json');

const o = { api: process.env.FARM_API_URL ?? 'http://127.0.0.1:3000', sessions: 30, rounds: 3, runs: 50, out: OUT };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in o)) throw new Error(`unknown argument ${argv[i]} (use --api URL --sessions N --rounds R --runs N --out FILE)`);
  o[key] = key === 'api' || key === 'out' ? argv[++i] : Number(argv[++i]);
}
const { call, uploaded, device, frameworks } = await benchTarget(o.api, root);

/** cell -> sessions -> rounds of { a, b } latency arrays. */
const cells = {};
for (let session = 0; session < o.sessions; session++) {
  const runs = [];
  for (let i = 0; i < 2 * o.rounds; i++)
    runs.push(
      await call('POST', '/benchmarks', {
        modelId: uploaded.model.id,
        artifactIds: [uploaded.artifactId],
        targets: { deviceIds: [device.id] },
        frameworks,
        options: { timedRuns: o.runs, warmupRuns: 10, profileRuns: 2 },
      }),
    );
  for (const run of runs) {
    for (;;) {
      const s = await call('GET', `/benchmarks/${run.runId}`);
      if (['succeeded', 'partial', 'failed', 'cancelled'].includes(s.status)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const byFramework = new Map();
  for (const run of runs) {
    const { results } = await call('GET', `/benchmarks/${run.runId}/results`);
    for (const r of results) (byFramework.get(r.framework) ?? byFramework.set(r.framework, []).get(r.framework)).push(r.latenciesMs);
  }
  const line = [];
  for (const [framework, series] of byFramework) {
    if (series.length !== 2 * o.rounds) continue;
    const rounds = [];
    for (let i = 0; i < o.rounds; i++) rounds.push({ a: series[2 * i], b: series[2 * i + 1] });
    (cells[`${framework} on ${device.name}`] ??= []).push(rounds);
    const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    line.push(`${framework} B/A ${rounds.map((r) => (med(r.b) / med(r.a)).toFixed(3)).join(' ')}`);
  }
  process.stdout.write(`session ${session + 1}/${o.sessions}: ${line.join('; ')}\n`);
}
writeFileSync(
  o.out,
  `${JSON.stringify({ collectedAt: new Date().toISOString(), runsPerJob: o.runs, rounds: o.rounds, device: device.name, cells }, null, 1)}\n`,
);
process.stdout.write(`wrote ${o.out}\n`);
