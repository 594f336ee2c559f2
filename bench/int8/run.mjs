#!/usr/bin/env node
// Native int8 engine vs ONNX Runtime, single thread, on BlazeFace and the MobileNetV2-shaped
// network. For each network: our quantizer writes a QDQ model; ORT runs it (ORT int8) and the
// fp32 original (ORT fp32); our compiler turns the same QDQ model into a plan for int8-runner.
//
// Paired rounds: every round times all three engines back to back (the order rotates by round),
// each for --runs inferences, on one CPU (--cpu; this script and the runner it starts are pinned
// there). A round's ratio is ORT's median latency in that round over ours in that round; the
// reported ratio is the median of the per-round ratios with a bootstrap 95% interval over rounds
// (bench/lib/intervals.mjs). An interval that spans 1 reads "no detectable difference".
// With --instructions it also counts instructions per inference under callgrind
// (bench/int8/instructions.mjs), the noise-free figure, on the same model files and input.
//
// usage: node bench/int8/run.mjs [--rounds N] [--runs N] [--mnv2-size S] [--cpu C|none] [--instructions] [--write-readme]
// Needs: npm run build (the compiler's dist and device-agents/native/build.sh's runner); valgrind for --instructions.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { agreement, runPlan, runnerAvailable, DEFAULT_RUNNER } from '@farm/int8-compiler';
import { pinProcessTree } from '../lib/cpu.mjs';
import { describeRatio, fmtInterval, median, pairedRatio } from '../lib/intervals.mjs';
import { countInstructions, instructionTable, valgrindVersion } from './instructions.mjs';
import { prepareNetworks, root } from './networks.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', 30));
const RUNS = Number(opt('runs', 20));
const PROFILE_RUNS = 2; // per round, after the timed runs: the per-op profile
const MNV2_SIZE = Number(opt('mnv2-size', 224));
const CPU = String(opt('cpu', cpus().length - 1));
const INSTRUCTIONS = args.includes('--instructions');
const WRITE = args.includes('--write-readme');
const COMMAND = `node bench/int8/run.mjs --rounds ${ROUNDS} --runs ${RUNS} --mnv2-size ${MNV2_SIZE} --cpu ${CPU}${INSTRUCTIONS ? ' --instructions' : ''}${WRITE ? ' --write-readme' : ''}`;

if (!runnerAvailable()) {
  console.error(`int8-runner missing at ${DEFAULT_RUNNER}: run device-agents/native/build.sh`);
  process.exit(1);
}
if (INSTRUCTIONS && !valgrindVersion()) {
  console.error('--instructions needs valgrind (apt-get install -y valgrind)');
  process.exit(1);
}
const log = (l) => process.stderr.write(`[int8] ${l}\n`);

async function ortSession(bytes) {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
}

async function timeOrt(session, feeds, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    out.push(performance.now() - t0);
  }
  return out;
}

async function benchNetwork(net) {
  const { x, dims, inputName, compiled } = net;
  const feeds = { [inputName]: new ort.Tensor('float32', x, dims) };
  const sF = await ortSession(net.fp32);
  const sQ = await ortSession(net.qdq);

  // Agreement of our first inference with both ORT runs.
  const refF = await sF.run(feeds),
    refQ = await sQ.run(feeds);
  const ours = await runPlan({ planPath: compiled.planPath, inputs: [x], outputs: compiled.outputs });
  const agree = compiled.outputs.map((o, i) => ({
    output: o.name,
    vsFp32: agreement(refF[o.name].data, ours.outputs[i]),
    vsOrtInt8: agreement(refQ[o.name].data, ours.outputs[i]),
  }));

  // Warm everything once, then paired rounds with a rotating order; one median per engine per round.
  await timeOrt(sF, feeds, 3);
  await timeOrt(sQ, feeds, 3);
  const rounds = { ours: [], ortInt8: [], ortFp32: [] };
  const layerRounds = []; // per round, each op's mean time over that round's profiled runs
  for (let r = 0; r < ROUNDS; r++) {
    const order = ['ours', 'ortInt8', 'ortFp32'];
    for (let k = 0; k < r % 3; k++) order.push(order.shift());
    for (const engine of order) {
      if (engine === 'ours') {
        const res = await runPlan({ planPath: compiled.planPath, inputs: [x], warmup: 3, runs: RUNS, profileRuns: PROFILE_RUNS });
        rounds.ours.push(median(res.report.latenciesMs));
        layerRounds.push(res.report.layers);
      } else {
        rounds[engine].push(median(await timeOrt(engine === 'ortInt8' ? sQ : sF, feeds, RUNS)));
      }
    }
    log(
      `${net.name} round ${r + 1}/${ROUNDS}: ours ${rounds.ours[r].toFixed(3)} ms, ORT int8 ${rounds.ortInt8[r].toFixed(3)} ms, ORT fp32 ${rounds.ortFp32[r].toFixed(3)} ms`,
    );
  }
  await sF.release();
  await sQ.release();
  // Each op's median over rounds (a slow spell in one round does not move it), summed by op type.
  const byType = {};
  layerRounds[0].forEach((l, i) => {
    byType[l.opType] = (byType[l.opType] ?? 0) + median(layerRounds.map((lr) => lr[i].timeMs));
  });
  return {
    name: net.name,
    rounds,
    medians: { ours: median(rounds.ours), ortInt8: median(rounds.ortInt8), ortFp32: median(rounds.ortFp32) },
    ratios: { ortInt8: pairedRatio(rounds.ortInt8, rounds.ours), ortFp32: pairedRatio(rounds.ortFp32, rounds.ours) },
    agree,
    opCount: compiled.opCount,
    byType,
  };
}

if (CPU !== 'none') log(`pinned this script and its children to CPU ${CPU} (${pinProcessTree(process.pid, CPU)} process)`);
const started = Date.now();
const networks = await prepareNetworks({ mnv2Size: MNV2_SIZE });
const results = [];
for (const net of networks) results.push(await benchNetwork(net));
const timingS = (Date.now() - started) / 1000;

const f = (v, d = 3) => v.toFixed(d);
const lines = [];
lines.push('Wall-time ratios (ORT latency / ours, median of per-round ratios, bootstrap 95% interval over rounds; above 1 = ours faster):');
lines.push('');
lines.push(
  '| network | ours int8 (ms) | ORT int8, same QDQ (ms) | ORT fp32 (ms) | ORT int8 / ours (95% CI) | ORT fp32 / ours (95% CI) | per-round ORT int8 / ours (min / max) |',
);
lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  const q = r.ratios.ortInt8,
    p = r.ratios.ortFp32;
  lines.push(
    `| ${r.name} | ${f(r.medians.ours)} | ${f(r.medians.ortInt8)} | ${f(r.medians.ortFp32)} | ${f(q.estimate)} (${fmtInterval(q.ci)}) | ${f(p.estimate)} (${fmtInterval(p.ci)}) | ${f(q.min)} / ${f(q.max)} |`,
  );
}
lines.push('');
for (const r of results) {
  lines.push(
    `- ${r.name}: ORT int8 / ours ${describeRatio(r.ratios.ortInt8, 'ORT int8', 'ours', 3)}; ORT fp32 / ours ${describeRatio(r.ratios.ortFp32, 'ORT fp32', 'ours', 3)}.`,
  );
}

let instr = null;
if (INSTRUCTIONS) {
  const t0 = Date.now();
  const rows = await countInstructions(networks, { calls: 6, repeats: 2, jobs: 2, log });
  instr = { rows, seconds: (Date.now() - t0) / 1000 };
  lines.push('');
  lines.push(
    `Instructions per inference (callgrind, ${valgrindVersion()}; collection on inside the inference call only, median of calls 3-6 of one process, the whole measurement run twice; see bench/int8/instructions.mjs; above 1 = ours executes fewer instructions):`,
  );
  lines.push('');
  lines.push(instructionTable(rows));
}

lines.push('');
lines.push('Agreement of our int8 outputs (first inference):');
lines.push('');
lines.push('| network | output | cosine vs fp32 | max abs err vs fp32 | cosine vs ORT int8 | max abs err vs ORT int8 |');
lines.push('| --- | --- | ---: | ---: | ---: | ---: |');
for (const r of results)
  for (const a of r.agree) {
    lines.push(
      `| ${r.name} | ${a.output} | ${f(a.vsFp32.cosine, 5)} | ${f(a.vsFp32.maxAbsError, 4)} | ${f(a.vsOrtInt8.cosine, 5)} | ${f(a.vsOrtInt8.maxAbsError, 4)} |`,
    );
  }
lines.push('');
lines.push(
  `Where our time goes (ms by op type: each op's median over the ${ROUNDS} rounds of its mean over ${PROFILE_RUNS} profiled runs, after the timed runs):`,
);
lines.push('');
for (const r of results)
  lines.push(
    `- ${r.name} (${r.opCount} ops): ${Object.entries(r.byType)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${f(v)}`)
      .join(', ')}`,
  );

for (const net of networks) rmSync(net.dir, { recursive: true, force: true });
const table = lines.join('\n');
console.log(`${COMMAND}\n\n${table}`);
console.log(
  `\nper-round medians (ms):\n${results.map((r) => `${r.name}\n  ours    ${r.rounds.ours.map((v) => f(v)).join(' ')}\n  ortInt8 ${r.rounds.ortInt8.map((v) => f(v)).join(' ')}\n  ortFp32 ${r.rounds.ortFp32.map((v) => f(v)).join(' ')}`).join('\n')}`,
);

let gemm = '';
const gemmScript = join(root, 'bench/native-gemm/run.sh');
if (existsSync(gemmScript)) {
  console.log('\n== bench/native-gemm/run.sh ==');
  const r = spawnSync('bash', [gemmScript], { cwd: root, encoding: 'utf8', timeout: 900_000 });
  gemm = (r.stdout ?? '') + (r.status === 0 ? '' : `\n(exit ${r.status}) ${r.stderr ?? ''}`);
  console.log(gemm);
}

if (WRITE) {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    '## Native int8 engine',
    '',
    '<!-- int8:generated:begin (rewritten by bench/int8/run.mjs --write-readme) -->',
    `Produced by \`${COMMAND}\` (after \`npm run build\`) on ${cpu}, ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}; timing took ${f(timingS, 0)} s${instr ? `, the instruction counts ${f(instr.seconds, 0)} s` : ''}.`,
    `Single thread everywhere (ORT: intra/inter-op threads 1, sequential, all graph optimizations; int8-runner: --threads 1)${CPU === 'none' ? '' : `, all on CPU ${CPU} (this script pins itself and the runner it starts)`}.`,
    `${ROUNDS} paired rounds; in each, every engine runs ${RUNS} timed inferences (ours after 3 warm-up runs in a fresh int8-runner process), the order rotating by round.`,
    "Latency columns: median over rounds of each round's median. Ratio columns: median over rounds of that round's ORT median / our median, with a percentile-bootstrap 95% interval over rounds (`bench/lib/intervals.mjs`).",
    'ORT int8 runs the same QDQ model our compiler reads (its QDQ fusion turns it into QLinearConv etc.); ORT fp32 runs the original network.',
    'Models are quantized by our quantizer (per-channel int8 weights in the reduced [-63, 63] range, uint8 activations, min-max calibration',
    'on 4 synthetic image-like inputs). ORT is timed around `session.run` from Node (includes binding overhead of a few',
    'microseconds per call); the runner reports its own in-process timings.',
    '',
    table,
    '',
    ...(gemm ? ['`bench/native-gemm/run.sh` output:', '', '```', gemm.trim(), '```', ''] : []),
    '<!-- int8:generated:end -->',
  ].join('\n');
  const readme = join(root, 'bench/README.md');
  let text = existsSync(readme) ? readFileSync(readme, 'utf8') : '# Benchmarks\n';
  const begin = text.indexOf('## Native int8 engine');
  const endMark = '<!-- int8:generated:end -->';
  const end = text.indexOf(endMark, begin);
  if (begin >= 0 && end >= 0) {
    // Only the generated block is replaced; hand-written reading after it is kept.
    text = text.slice(0, begin) + section + text.slice(end + endMark.length);
  } else if (begin >= 0) {
    const next = text.indexOf('\n## ', begin + 3);
    text = text.slice(0, begin) + section + '\n' + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    text = text.replace(/\s*$/, '\n\n') + section + '\n';
  }
  writeFileSync(readme, text);
  console.log(`\nwrote the "Native int8 engine" section of ${readme}`);
}
