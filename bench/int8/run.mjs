#!/usr/bin/env node
// Native int8 engine vs ONNX Runtime, single thread, on BlazeFace and the MobileNetV2-shaped
// network. For each network: our quantizer writes a QDQ model; ORT runs it (ORT int8) and the
// fp32 original (ORT fp32); our compiler turns the same QDQ model into a plan for int8-runner.
// Rounds are interleaved (engine order rotates every round) so drift and noise hit all three
// alike; the reported figure is the median latency over all rounds.
//
// usage: node bench/int8/run.mjs [--rounds N] [--runs N] [--mnv2-size S] [--write-readme]
// Needs: npx tsc -b (the compiler's dist) and device-agents/native/build.sh (the runner).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { agreement, buildMobileNetV2, compileToPlan, quantizeOnnx, runPlan, runnerAvailable, syntheticImage, DEFAULT_RUNNER } from '@farm/int8-compiler';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 12);
const RUNS = opt('runs', 20);
const MNV2_SIZE = opt('mnv2-size', 224);
const WRITE = args.includes('--write-readme');

if (!runnerAvailable()) {
  console.error(`int8-runner missing at ${DEFAULT_RUNNER}: run device-agents/native/build.sh`);
  process.exit(1);
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

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

async function benchNetwork(name, fp32, inputName, dims, layout) {
  const calib = [1, 2, 3, 4].map((s) => ({ [inputName]: { data: syntheticImage(dims, s, layout), dims } }));
  const { model: qdq, report } = await quantizeOnnx(fp32, { calibration: 'minmax', inputs: calib });
  const dir = mkdtempSync(join(tmpdir(), `bench-int8-${name}-`));
  const compiled = compileToPlan(qdq, dir, name);
  const x = syntheticImage(dims, 42, layout);
  const feeds = { [inputName]: new ort.Tensor('float32', x, dims) };
  const sF = await ortSession(fp32);
  const sQ = await ortSession(qdq);

  // Agreement of our first inference with both ORT runs.
  const refF = await sF.run(feeds),
    refQ = await sQ.run(feeds);
  const ours = await runPlan({ planPath: compiled.planPath, inputs: [x], outputs: compiled.outputs });
  const agree = compiled.outputs.map((o, i) => ({
    output: o.name,
    vsFp32: agreement(refF[o.name].data, ours.outputs[i]),
    vsOrtInt8: agreement(refQ[o.name].data, ours.outputs[i]),
  }));

  // Warm everything once, then interleave rounds with a rotating order.
  await timeOrt(sF, feeds, 3);
  await timeOrt(sQ, feeds, 3);
  const lat = { ours: [], ortInt8: [], ortFp32: [] };
  let layers = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = [['ours'], ['ortInt8'], ['ortFp32']];
    for (let k = 0; k < r % 3; k++) order.push(order.shift());
    for (const [engine] of order) {
      if (engine === 'ours') {
        const res = await runPlan({ planPath: compiled.planPath, inputs: [x], warmup: 3, runs: RUNS, profileRuns: r === 0 ? 3 : 0 });
        lat.ours.push(...res.report.latenciesMs);
        if (r === 0) layers = res.report.layers;
      } else {
        lat[engine].push(...(await timeOrt(engine === 'ortInt8' ? sQ : sF, feeds, RUNS)));
      }
    }
  }
  await sF.release();
  await sQ.release();
  const m = { ours: median(lat.ours), ortInt8: median(lat.ortInt8), ortFp32: median(lat.ortFp32) };
  const byType = {};
  for (const l of layers) byType[l.opType] = (byType[l.opType] ?? 0) + l.timeMs;
  return { name, medians: m, samples: lat.ours.length, agree, report, opCount: compiled.opCount, byType };
}

const blazeface = join(root, '.cache/models/blazeface_front_128.onnx');
if (!existsSync(blazeface)) execFileSync(process.execPath, [join(root, 'scripts/fetch-sample-models.mjs')], { stdio: 'inherit' });

const results = [
  await benchNetwork('blazeface', readFileSync(blazeface), 'input:0', [1, 128, 128, 3], 'NHWC'),
  await benchNetwork(`mobilenetv2_${MNV2_SIZE}`, buildMobileNetV2({ inputSize: MNV2_SIZE }), 'input', [1, 3, MNV2_SIZE, MNV2_SIZE], 'NCHW'),
];

const f = (v, d = 3) => v.toFixed(d);
const lines = [];
lines.push(`| network | ours int8 (ms) | ORT int8, same QDQ (ms) | ORT fp32 (ms) | ORT int8 / ours | ORT fp32 / ours |`);
lines.push(`| --- | ---: | ---: | ---: | ---: | ---: |`);
for (const r of results) {
  lines.push(
    `| ${r.name} | ${f(r.medians.ours)} | ${f(r.medians.ortInt8)} | ${f(r.medians.ortFp32)} | ${f(r.medians.ortInt8 / r.medians.ours, 2)}x | ${f(r.medians.ortFp32 / r.medians.ours, 2)}x |`,
  );
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
lines.push('Where our time goes (first round, mean of 3 profiled runs, ms by op type):');
lines.push('');
for (const r of results)
  lines.push(
    `- ${r.name} (${r.opCount} ops): ${Object.entries(r.byType)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${f(v)}`)
      .join(', ')}`,
  );

const table = lines.join('\n');
console.log(table);

let gemm = '';
const gemmScript = join(root, 'bench/native-gemm/run.sh');
if (existsSync(gemmScript)) {
  console.log('\n== bench/native-gemm/run.sh ==');
  const r = spawnSync('bash', [gemmScript], { cwd: root, encoding: 'utf8', timeout: 900_000 });
  gemm = (r.stdout ?? '') + (r.status === 0 ? '' : `\n(exit ${r.status}) ${r.stderr ?? ''}`);
  console.log(gemm);
}

if (WRITE) {
  const cmd = `node bench/int8/run.mjs --rounds ${ROUNDS} --runs ${RUNS} --mnv2-size ${MNV2_SIZE} --write-readme`;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    '## Native int8 engine',
    '',
    `Produced by \`${cmd}\` (after \`npx tsc -b\` and \`device-agents/native/build.sh\`) on ${cpu}, ${new Date().toISOString().slice(0, 10)}.`,
    `Single thread everywhere (ORT: intra/inter-op threads 1, sequential, all graph optimizations; int8-runner: --threads 1).`,
    `Median latency over ${ROUNDS} interleaved rounds x ${RUNS} runs per engine. Ratios above 1 mean our engine is faster.`,
    'ORT int8 runs the same QDQ model our compiler reads (its QDQ fusion turns it into QLinearConv etc.); ORT fp32 runs the original network.',
    'Models are quantized by our quantizer (per-channel int8 weights in the reduced [-63, 63] range, uint8 activations, min-max calibration',
    'on 4 synthetic image-like inputs). ORT is timed around `session.run` from Node (includes binding overhead of a few',
    'microseconds per call); the runner reports its own in-process timings.',
    '',
    table,
    '',
    ...(gemm ? ['`bench/native-gemm/run.sh` output:', '', '```', gemm.trim(), '```', ''] : []),
  ].join('\n');
  const readme = join(root, 'bench/README.md');
  let text = existsSync(readme) ? readFileSync(readme, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf('## Native int8 engine');
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 3);
    text = text.slice(0, start) + section + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    text = text.replace(/\s*$/, '\n\n') + section;
  }
  writeFileSync(readme, text);
  console.log(`\nwrote the "Native int8 engine" section of ${readme}`);
}
