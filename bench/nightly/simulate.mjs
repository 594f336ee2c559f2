#!/usr/bin/env node
// Detection quality of the nightly rule (libs/stats detectCellChange, the settings suites use by
// default), measured on real latency samples (samples.json, written by collect.mjs from farm runs
// on this machine). Each simulated cell-night draws, from one cell's real nights, K baseline
// nights, one night as "tonight" and one as its confirmation re-run (all different nights), and
// multiplies tonight and the re-run by 1 + shift (0, 2%, 5%, 10%). Reported per cell and shift:
// how often the night is flagged (before confirmation) and how often it is alerted (flagged and
// confirmed by the re-run). With shift 0 both are false alarms; with a shift, power.
// The draws reuse the same real nights, so trials are not independent: the rates describe this
// machine's noise, and their precision is bounded by how many real nights were collected.
//
//   node bench/nightly/simulate.mjs [--trials 300] [--k 7] [--samples bench/nightly/samples.json]
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { detectCellChange, confirms, mulberry32, nightToNightNoise, median } = await import(pathToFileURL(join(root, 'libs/stats/dist/index.js')).href);
const { DetectionSettingsSchema } = await import(pathToFileURL(join(root, 'libs/contracts/dist/index.js')).href);

const o = { trials: 300, k: 7, samples: join(here, 'samples.json') };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in o)) throw new Error(`unknown argument ${argv[i]} (use --trials N --k K --samples FILE)`);
  o[key] = key === 'samples' ? argv[++i] : Number(argv[++i]);
}
const settings = { ...DetectionSettingsSchema.parse({}), baselineNights: o.k };
const data = JSON.parse(readFileSync(o.samples, 'utf8'));
const SHIFTS = [0, 0.02, 0.05, 0.1];
const rand = mulberry32(20261130);

function draw(n, count) {
  const idx = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, count);
}

const rows = [];
const totals = new Map(SHIFTS.map((s) => [s, { trials: 0, flagged: 0, alerted: 0 }]));
for (const [cell, nights] of Object.entries(data.cells)) {
  if (nights.length < o.k + 2) throw new Error(`${cell}: ${nights.length} nights; need at least K + 2 = ${o.k + 2}`);
  for (const shift of SHIFTS) {
    let flagged = 0;
    let alerted = 0;
    for (let t = 0; t < o.trials; t++) {
      const [tonightIdx, confirmIdx, ...baseIdx] = draw(nights.length, o.k + 2);
      const scale = (xs) => xs.map((x) => x * (1 + shift));
      const baseline = baseIdx.map((i) => nights[i]);
      const d = detectCellChange(scale(nights[tonightIdx]), baseline, settings);
      // With a shift only a slowdown counts as caught; with none, any flag is a false alarm.
      const flag = d.suspect && (shift === 0 || d.direction === 'slower');
      if (!flag) continue;
      flagged++;
      if (confirms(d, detectCellChange(scale(nights[confirmIdx]), baseline, settings))) alerted++;
    }
    rows.push({ cell, shift, trials: o.trials, flagged, alerted });
    const tot = totals.get(shift);
    tot.trials += o.trials;
    tot.flagged += flagged;
    tot.alerted += alerted;
  }
}

const pct = (n, d) => `${((100 * n) / d).toFixed(1)}%`;
const label = (s) => (s === 0 ? 'none (false alarms)' : `+${s * 100}%`);
console.log(
  `samples: ${relative(root, resolve(o.samples))} (${Object.keys(data.cells).length} cells, ${data.runsPerNight} runs per night, collected ${data.collectedAt} on ${data.device})`,
);
console.log(
  `rule: K=${o.k} baseline nights, alpha=${settings.alpha}, minChange=${settings.minChange * 100}%, noiseFactor=${settings.noiseFactor}; ${o.trials} trials per cell and shift\n`,
);
for (const [cell, nights] of Object.entries(data.cells)) {
  const medians = nights.map((n) => median(n));
  console.log(
    `${cell}: nightly medians ${Math.min(...medians).toFixed(3)}-${Math.max(...medians).toFixed(3)} ms, night-to-night noise (1.4826 MAD of log medians) ${(100 * nightToNightNoise(medians)).toFixed(1)}%`,
  );
}
console.log('');
console.log('| cell | nights | injected shift | flagged (before confirmation) | alerted (after confirmation) |');
console.log('|---|---|---|---|---|');
for (const r of rows)
  console.log(`| ${r.cell} | ${data.cells[r.cell].length} | ${label(r.shift)} | ${pct(r.flagged, r.trials)} | ${pct(r.alerted, r.trials)} |`);
for (const [s, t] of totals) console.log(`| all cells | | ${label(s)} | ${pct(t.flagged, t.trials)} | ${pct(t.alerted, t.trials)} |`);
