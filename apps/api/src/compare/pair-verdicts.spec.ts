/** Unit tests of the pairwise verdicts: pairs per device only, the faster cell first, the sentence, the memo. */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { mulberry32, type RatioVerdict } from '@farm/stats';
import { crossDevicePairs, pairVerdicts, resamplesFor, verdictText, type PairCell } from './pair-verdicts.js';

const rand = mulberry32(7);
const sample = (centre: number, n = 40) => Array.from({ length: n }, () => centre * (1 + rand() * 0.04));
const cell = (deviceId: string, framework: string, latenciesMs: number[]): PairCell => ({
  deviceId,
  deviceName: `dev ${deviceId}`,
  framework,
  artifactId: `art-${framework}`,
  jobId: `job-${deviceId}-${framework}`,
  medianMs: [...latenciesMs].sort((x, y) => x - y)[latenciesMs.length >> 1]!,
  latenciesMs,
});

test('every pair of cells on one device, none across devices; a is the lower median', () => {
  const cells = [
    cell('d1', 'opencv-dnn', sample(10)),
    cell('d1', 'onnxruntime', sample(4)),
    cell('d1', 'tflite', sample(4)),
    cell('d2', 'onnxruntime', sample(5)),
  ];
  const pairs = pairVerdicts(cells);
  assert.equal(pairs.length, 3);
  assert.ok(pairs.every((p) => p.deviceId === 'd1' && p.deviceName === 'dev d1'));
  for (const p of pairs) {
    const [a, b] = [cells.find((c) => c.jobId === p.a.jobId)!, cells.find((c) => c.jobId === p.b.jobId)!];
    assert.ok(a.medianMs <= b.medianMs, `${p.a.framework} should come first`);
    assert.ok(p.low <= p.ratio && p.ratio <= p.high);
    assert.equal(p.level, 0.95);
  }
  const vsOpencv = pairs.find((p) => p.b.framework === 'opencv-dnn' && p.a.framework === 'onnxruntime')!;
  assert.equal(vsOpencv.verdict, 'faster');
  assert.match(vsOpencv.text, /^onnxruntime is faster than opencv-dnn by \d+% \[\d+%, \d+%\]$/);
  const close = pairs.find((p) => [p.a.framework, p.b.framework].sort().join() === 'onnxruntime,tflite')!;
  assert.equal(close.verdict, 'same');
  assert.match(close.text, /: no detectable difference \(ratio \d\.\d\d \[\d\.\d\d, \d\.\d\d\]\)$/);
});

test('verdict sentences', () => {
  const base = { ratio: 0.42, low: 0.39, high: 0.45, differencePct: 58, differenceLowPct: 55, differenceHighPct: 61 };
  assert.equal(verdictText('onnxruntime', 'opencv-dnn', { ...base, verdict: 'faster' }), 'onnxruntime is faster than opencv-dnn by 58% [55%, 61%]');
  assert.equal(
    verdictText('onnxruntime', 'tflite', {
      verdict: 'same',
      ratio: 0.981,
      low: 0.93,
      high: 1.04,
      differencePct: 1.9,
      differenceLowPct: 0,
      differenceHighPct: 7,
    }),
    'onnxruntime vs tflite: no detectable difference (ratio 0.98 [0.93, 1.04])',
  );
});

test('long runs get fewer resamples; a memo serves repeated requests', () => {
  assert.equal(resamplesFor(300, 300), 2000);
  assert.equal(resamplesFor(3000, 20), 1000);
  const cells = [cell('d1', 'a', sample(1, 800)), cell('d1', 'b', sample(2, 800))];
  const memo = new Map<string, RatioVerdict>();
  const first = pairVerdicts(cells, memo);
  assert.equal(first[0]!.resamples, 1000);
  assert.equal(memo.size, 1);
  assert.deepEqual(pairVerdicts(cells, memo), first);
  assert.deepEqual(pairVerdicts(cells), first, 'the bootstrap is seeded: the memo changes nothing but the work');
});

test('crossDevicePairs: one framework on two devices gets a cross-device ratio with its interval; same-device cells are not paired; emulated devices are named so', () => {
  const cells = [
    { ...cell('d1', 'onnxruntime', sample(8)), emulated: false },
    { ...cell('d2', 'onnxruntime', sample(4)), emulated: true },
    { ...cell('d3', 'onnxruntime', sample(4.02)), emulated: false },
    { ...cell('d3', 'onnxruntime', sample(6)), jobId: 'job-d3-second', emulated: false },
  ];
  const pairs = crossDevicePairs('onnxruntime', cells);
  // d1-d2, d1-d3 (x2), d2-d3 (x2); never d3 with d3.
  assert.equal(pairs.length, 5);
  assert.ok(pairs.every((p) => p.a.deviceId !== p.b.deviceId && p.low <= p.ratio && p.ratio <= p.high));
  const d1d2 = pairs.find((p) => [p.a.deviceId, p.b.deviceId].sort().join() === 'd1,d2')!;
  assert.equal(d1d2.a.deviceId, 'd2', 'the lower median first');
  assert.equal(d1d2.verdict, 'faster');
  assert.ok(d1d2.ratio < 0.6 && d1d2.high < 1);
  assert.match(d1d2.text, /^onnxruntime: dev d2 \(emulated\) is faster than dev d1 by \d+% \[\d+%, \d+%\]$/);
  const close = pairs.find((p) => p.a.jobId === 'job-d2-onnxruntime' && p.b.jobId === 'job-d3-onnxruntime')!;
  assert.equal(close.verdict, 'same');
  assert.match(close.text, /no detectable difference/);
});
