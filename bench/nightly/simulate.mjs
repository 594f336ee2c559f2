#!/usr/bin/env node
// Detection quality of the nightly rule (libs/stats detectCellChange, the settings suites use by
// default), measured on real latency samples (samples.json, written by collect.mjs from farm runs
// on this machine). Each simulated cell-night draws, from one cell's real nights, K baseline
// nights, one night as "tonight" and one as its confirmation re-run (all different nights), and
// multiplies tonight and the re-run by 1 + shift (0, 2%, 5%, 10%). Reported per cell and shift:
// how often the night is flagged (before confirmation) and how often it is alerted (flagged and
// confirmed by the re-run). With shift 0 both are false alarms; with a shift, power.
//
// With a pairs file (pairs.json, written by collect-pairs.mjs: real back-to-back A/A sessions of
// the same cells), it also simulates the paired confirmation a model-version change gets
// (libs/stats detectPairedChange): a flagged night is confirmed when a real session, its B jobs
// multiplied by 1 + shift, is suspect in the same direction. And, separately, the paired verdict on
// every session alone (no nightly flag needed first: what an A/B on every new version would give),
// with the first 1, 2 or 3 rounds of each session. That column is deterministic per session, so
// its resolution is one session, not one trial.
//
// The draws reuse the same real nights and sessions, so trials are not independent: the rates
// describe this machine's noise, and their precision is bounded by how many were collected.
//
//   node bench/nightly/simulate.mjs [--trials 300] [--k 7] [--samples bench/nightly/samples.json] [--pairs bench/nightly/pairs.json]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const { detectCellChange, detectPairedChange, confirms, mulberry32, nightToNightNoise, median, percentile } = await import(
  pathToFileURL(join(root, 'libs/stats/dist/index.js')).href
);
const { DetectionSettingsSchema } = await import(pathToFileURL(join(root, 'libs/contracts/dist/index.js')).href);

const o = { trials: 300, k: 7, samples: join(here, 'samples.json'), pairs: join(here, 'pairs.json') };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in o)) throw new Error(`unknown argument ${argv[i]} (use --trials N --k K --samples FILE --pairs FILE)`);
  o[key] = key === 'samples' || key === 'pairs' ? argv[++i] : Number(argv[++i]);
}
const settings = { ...DetectionSettingsSchema.parse({}), baselineNights: o.k };
const data = JSON.parse(readFileSync(o.samples, 'utf8'));
const pairs = existsSync(o.pairs) ? JSON.parse(readFileSync(o.pairs, 'utf8')) : null;
const SHIFTS = [0, 0.02, 0.05, 0.1];
const rand = mulberry32(20261130);
// The sessions are drawn from their own stream, so the nightly columns stay those of the same seed without a pairs file.
const pairRand = mulberry32(20261201);

function draw(n, count) {
  const idx = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, count);
}

/** B of every round multiplied by 1 + shift; the first `rounds` rounds. */
const shifted = (session, shift, rounds = session.length) => session.slice(0, rounds).map((r) => ({ a: r.a, b: r.b.map((x) => x * (1 + shift)) }));
// With a shift only a slowdown counts as caught; with none, any flag is a false alarm.
const caught = (d, shift) => d.suspect && (shift === 0 || d.direction === 'slower');

const rows = [];
const totals = new Map(SHIFTS.map((s) => [s, { trials: 0, flagged: 0, alerted: 0, pairedTrials: 0, pairedAlerted: 0 }]));
for (const [cell, nights] of Object.entries(data.cells)) {
  if (nights.length < o.k + 2) throw new Error(`${cell}: ${nights.length} nights; need at least K + 2 = ${o.k + 2}`);
  const sessions = pairs?.cells[cell] ?? null;
  for (const shift of SHIFTS) {
    let flagged = 0;
    let alerted = 0;
    let pairedAlerted = 0;
    for (let t = 0; t < o.trials; t++) {
      const [tonightIdx, confirmIdx, ...baseIdx] = draw(nights.length, o.k + 2);
      const scale = (xs) => xs.map((x) => x * (1 + shift));
      const baseline = baseIdx.map((i) => nights[i]);
      const d = detectCellChange(scale(nights[tonightIdx]), baseline, settings);
      const session = sessions ? sessions[Math.floor(pairRand() * sessions.length)] : null;
      if (!caught(d, shift)) continue;
      flagged++;
      if (confirms(d, detectCellChange(scale(nights[confirmIdx]), baseline, settings))) alerted++;
      if (session && confirms(d, detectPairedChange(shifted(session, shift), settings))) pairedAlerted++;
    }
    // The paired verdict alone, once per real session (deterministic per session), with 1..R rounds.
    const pairedAlone = sessions
      ? Array.from({ length: pairs.rounds }, (_, i) => sessions.filter((sn) => caught(detectPairedChange(shifted(sn, shift, i + 1), settings), shift)).length)
      : null;
    rows.push({ cell, shift, trials: o.trials, flagged, alerted, pairedAlerted, pairedAlone, sessions: sessions?.length ?? 0 });
    const tot = totals.get(shift);
    tot.trials += o.trials;
    tot.flagged += flagged;
    tot.alerted += alerted;
    if (pairedAlone) {
      tot.pairedTrials += o.trials;
      tot.pairedAlerted += pairedAlerted;
      tot.pairedAlone ??= pairedAlone.map(() => 0);
      pairedAlone.forEach((n, i) => (tot.pairedAlone[i] += n));
      tot.sessions = (tot.sessions ?? 0) + sessions.length;
    }
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
if (pairs) {
  console.log(
    `pairs: ${relative(root, resolve(o.pairs))} (${pairs.rounds} A/B rounds per session, ${pairs.runsPerJob} runs per job, collected ${pairs.collectedAt} on ${pairs.device})`,
  );
  // The spread of the A/A round ratios, of medians (what the rule compares) and of lower quantiles (the
  // runs no neighbour interrupted, on a shared host): descriptive only, the rule is not changed by it.
  const sorted = (xs) => [...xs].sort((x, y) => x - y);
  const spread = (xs) => {
    const logs = xs.map(Math.log);
    const m = median(logs);
    return `${(100 * 1.4826 * median(logs.map((x) => Math.abs(x - m)))).toFixed(1)}%`;
  };
  for (const [cell, sessions] of Object.entries(pairs.cells)) {
    const rounds = sessions.flat();
    const ratios = rounds.map((r) => median(r.b) / median(r.a));
    const byQuantile = [0.3, 0.1]
      .map((q) => `p${q * 100} ${spread(rounds.map((r) => percentile(sorted(r.b), q * 100) / percentile(sorted(r.a), q * 100)))}`)
      .join(', ');
    console.log(
      `${cell}: ${sessions.length} sessions, A/A round ratios of medians ${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}, spread (1.4826 MAD of log ratios) ${spread(ratios)}; of lower quantiles: ${byQuantile}`,
    );
  }
}
console.log('');
const pairedHead = pairs
  ? ` alerted (after paired confirmation) | ${Array.from({ length: pairs.rounds }, (_, i) => `paired alone, ${i + 1} round${i ? 's' : ''}`).join(' | ')} |`
  : '';
console.log(`| cell | nights | injected shift | flagged (before confirmation) | alerted (after re-run vs. baseline nights) |${pairedHead}`);
console.log(`|---|---|---|---|---|${pairs ? '---|'.repeat(1 + pairs.rounds) : ''}`);
// A cell the pairs file has no sessions of gets n/a, and stays out of the paired totals.
const pairedCells = (n, d, alone, sessions) =>
  pairs
    ? ` ${
        alone
          ? `${pct(n, d)} | ${alone.map((x) => `${pct(x, sessions)} (${x}/${sessions})`).join(' | ')}`
          : Array(pairs.rounds + 1)
              .fill('n/a')
              .join(' | ')
      } |`
    : '';
for (const r of rows)
  console.log(
    `| ${r.cell} | ${data.cells[r.cell].length} | ${label(r.shift)} | ${pct(r.flagged, r.trials)} | ${pct(r.alerted, r.trials)} |${pairedCells(r.pairedAlerted, r.trials, r.pairedAlone, r.sessions)}`,
  );
for (const [s, t] of totals)
  console.log(
    `| all cells | | ${label(s)} | ${pct(t.flagged, t.trials)} | ${pct(t.alerted, t.trials)} |${pairedCells(t.pairedAlerted, t.pairedTrials, t.pairedAlone, t.sessions)}`,
  );
