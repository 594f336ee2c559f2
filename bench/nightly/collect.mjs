#!/usr/bin/env node
// Collects real latency samples for the detection-quality simulation (simulate.mjs): the bundled
// BlazeFace model benchmarked through a running farm (API -> queue -> agent -> runner), one run
// per "night", every framework the farm's desktop offers, and writes each job's raw per-iteration
// latencies to bench/nightly/samples.json. Nothing here is synthetic.
//
//   npm run farm        # in another shell (FARM_PORT etc. to move it off the defaults)
//   FARM_API_KEY=$(cat .farm/api-key) node bench/nightly/collect.mjs --api http://127.0.0.1:3000 [--nights 24] [--runs 50] [--out bench/nightly/samples.json]
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTarget } from './bench-target.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const OUT = join(here, 'samples.json');

function parseArgs(argv) {
  const o = { api: process.env.FARM_API_URL ?? 'http://127.0.0.1:3000', nights: 24, runs: 50, out: OUT };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in o)) throw new Error(`unknown argument ${argv[i]} (use --api URL --nights N --runs N --out FILE)`);
    o[key] = key === 'api' || key === 'out' ? argv[++i] : Number(argv[++i]);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const { call, uploaded, device, frameworks } = await benchTarget(opts.api, root);

const cells = {};
for (let night = 0; night < opts.nights; night++) {
  const run = await call('POST', '/benchmarks', {
    modelId: uploaded.model.id,
    artifactIds: [uploaded.artifactId],
    targets: { deviceIds: [device.id] },
    frameworks,
    options: { timedRuns: opts.runs, warmupRuns: 10, profileRuns: 2 },
  });
  for (;;) {
    const s = await call('GET', `/benchmarks/${run.runId}`);
    if (['succeeded', 'partial', 'failed', 'cancelled'].includes(s.status)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const { results } = await call('GET', `/benchmarks/${run.runId}/results`);
  for (const r of results) (cells[`${r.framework} on ${device.name}`] ??= []).push(r.latenciesMs);
  process.stdout.write(`night ${night + 1}/${opts.nights}: ${results.map((r) => `${r.framework} ${r.stats.medianMs.toFixed(3)} ms`).join(', ')}\n`);
}
writeFileSync(opts.out, `${JSON.stringify({ collectedAt: new Date().toISOString(), runsPerNight: opts.runs, device: device.name, cells }, null, 1)}\n`);
process.stdout.write(`wrote ${opts.out}\n`);
