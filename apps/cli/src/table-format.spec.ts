/** Unit tests of the terminal tables: numbers shown as the API gave them, best and noisy cells marked. */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import type { CompareResponse } from '@farm/contracts';
import { describeRunning, formatCompareTable, formatFailures, formatMs, formatPercent, renderTable } from './table-format.js';
import type { RunJob } from './api-schemas.js';

const device = { id: 'd1', name: 'vm (desktop)' };
const cell = (framework: string, medianMs: number, cv: number, opClasses: CompareResponse['cells'][number]['opClasses'] = []) => ({
  deviceId: device.id,
  deviceName: device.name,
  framework,
  frameworkVersion: '1.0',
  artifactId: 'a1',
  format: 'onnx',
  jobId: `job-${framework}`,
  medianMs,
  p90Ms: medianMs * 1.5,
  cv,
  runs: 30,
  measuredAt: '2026-01-01T00:00:00.000Z',
  opClasses,
});

const compare: CompareResponse = {
  modelId: 'm1',
  modelName: 'blazeface',
  devices: [device],
  frameworks: ['onnxruntime', 'tflite'],
  noisyCv: 0.1,
  cells: [
    cell('tflite', 5.66944, 0.05, [
      { opClass: 'conv', timeMs: 5.2, share: 0.627 },
      { opClass: 'depthwise_conv', timeMs: 2, share: 0.241 },
      { opClass: 'pool', timeMs: 0.1, share: 0.013 },
      { opClass: 'elementwise', timeMs: 0.3, share: 0.037 },
    ]),
    cell('onnxruntime', 3.2826355, 0.53, [{ opClass: 'activation', timeMs: 0, share: 0 }]),
  ],
};

test('formatMs keeps about three significant digits', () => {
  assert.equal(formatMs(3.2826355), '3.28');
  assert.equal(formatMs(14.2322), '14.2');
  assert.equal(formatMs(123.6), '124');
  assert.equal(formatMs(0.05814), '0.058');
  assert.equal(formatPercent(0.27495), '27.5%');
});

test('renderTable pads columns and right-aligns numeric ones', () => {
  const t = renderTable(['name', 'ms'], [['a', '1.5'], ['long name', '12.25']], new Set([1]));
  assert.deepEqual(t.split('\n'), ['name          ms', '---------  -----', 'a            1.5', 'long name  12.25']);
});

test('comparison table: one row per cell sorted by framework, fastest and noisy marked', () => {
  const lines = formatCompareTable(compare).split('\n');
  assert.equal(lines[0], 'Model blazeface (m1)');
  const onnx = lines.find((l) => l.startsWith('onnxruntime'))!;
  const tfl = lines.find((l) => l.startsWith('tflite'))!;
  assert.ok(lines.indexOf(onnx) < lines.indexOf(tfl));
  assert.match(onnx, /3\.28 \*/);
  assert.match(onnx, /4\.92/);
  assert.match(onnx, /53\.0% !/);
  assert.match(onnx, /no layer profile/);
  assert.match(tfl, /5\.67 {3}/);
  assert.match(tfl, /5\.0% {3}/);
  assert.match(tfl, /conv 63%, depthwise_conv 24%, elementwise 4%$/);
  assert.ok(lines.some((l) => l.startsWith('! noisy')));
});

test('comparison table says so when the model has no results', () => {
  assert.equal(formatCompareTable({ ...compare, cells: [] }), 'No results yet for model "blazeface" (m1).');
});

const job = (over: Partial<RunJob>): RunJob => ({
  id: 'j',
  device,
  framework: 'onnxruntime',
  artifact: { id: 'a1', format: 'onnx', variant: 'original' },
  status: 'queued',
  progress: null,
  error: null,
  summary: null,
  ...over,
});

test('failures list code and message; running jobs show their phase', () => {
  const jobs = [
    job({ status: 'failed', framework: 'opencv-dnn', error: { code: 'RUNNER_MODEL_REJECTED', message: 'layer X unsupported' } }),
    job({ status: 'running', progress: { phase: 'timed', done: 12, total: 20 } }),
    job({ status: 'succeeded', framework: 'tflite' }),
  ];
  assert.deepEqual(formatFailures(jobs), ['opencv-dnn on vm (desktop) (onnx): RUNNER_MODEL_REJECTED: layer X unsupported']);
  assert.equal(describeRunning(jobs), 'onnxruntime@vm (desktop) timed 12/20');
  assert.equal(describeRunning([job({})]), 'waiting for a device');
});
