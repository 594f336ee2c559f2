#!/usr/bin/env node
// Reads gemm-bench's raw lines on stdin and prints, per shape, the median over repetitions of the
// peak, the kernel's GOPS and the paired efficiency (kernel / peak of the same repetition), each
// with a bootstrap 95% interval over repetitions. Usage: gemm-bench N | node summarize.mjs N
import { readFileSync } from 'node:fs';
import { fmtInterval, medianWithInterval } from '../lib/intervals.mjs';

const reps = process.argv[2] ?? '?';
const rows = [];
for (const line of readFileSync(0, 'utf8').split('\n')) {
  const f = line.trim().split(/\s+/);
  if (f[0] !== 'rep') {
    if (line.trim()) console.log(line);
    continue;
  }
  const kv = {};
  for (let i = 0; i + 1 < f.length; i += 2) kv[f[i]] = f[i + 1];
  rows.push({
    kernel: kv.kernel,
    shape: `${kv.M}x${kv.N}x${kv.K}`,
    m: kv.M,
    n: kv.N,
    k: kv.K,
    ms: Number(kv.ms),
    gops: Number(kv.kernel_gops),
    peak: Number(kv.peak_gops),
  });
}
if (rows.length === 0) throw new Error('gemm-bench printed no measurements');
const peak = medianWithInterval(rows.map((r) => r.peak));
console.log(
  `peak vpmaddwd+vpaddd (ymm, register-only): median ${peak.estimate.toFixed(1)} GOPS (95% CI ${fmtInterval(peak.ci, 1)}, min ${peak.min.toFixed(1)}, max ${peak.max.toFixed(1)}) over ${peak.n} measurements`,
);
console.log(
  `${reps} repetitions; per repetition and shape: peak (best of 5 x ~6 ms) then the kernel (best of ~60 ms of runs); eff% = kernel GOPS / that repetition's peak`,
);
console.log(
  `${'kernel'.padEnd(22)} ${'M'.padStart(5)} ${'N'.padStart(5)} ${'K'.padStart(5)} ${'ms'.padStart(8)} ${'GOPS'.padStart(7)} ${'GOPS 95% CI'.padStart(13)} ${'eff%'.padStart(6)} ${'eff% 95% CI'.padStart(12)}`,
);
for (const shape of [...new Set(rows.map((r) => r.shape))]) {
  const rs = rows.filter((r) => r.shape === shape);
  const ms = medianWithInterval(rs.map((r) => r.ms));
  const g = medianWithInterval(rs.map((r) => r.gops));
  const e = medianWithInterval(rs.map((r) => (100 * r.gops) / r.peak));
  const r0 = rs[0];
  console.log(
    `${r0.kernel.padEnd(22)} ${r0.m.padStart(5)} ${r0.n.padStart(5)} ${r0.k.padStart(5)} ${ms.estimate.toFixed(3).padStart(8)} ${g.estimate.toFixed(1).padStart(7)} ${fmtInterval(g.ci, 1).padStart(13)} ${e.estimate.toFixed(1).padStart(6)} ${fmtInterval(e.ci, 1).padStart(12)}`,
  );
}
