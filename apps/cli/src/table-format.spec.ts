/** Unit tests of the terminal tables: numbers shown as the API gave them, best and noisy cells marked. */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import type { CompareResponse, DeviceView } from '@farm/contracts';
import { describeRunning, formatCompareTable, formatDevicesTable, formatFailures, formatMs, formatPercent, renderTable } from './table-format.js';
import type { RunJob } from './api-client.js';

const device = { id: 'd1', name: 'vm (desktop)', platform: 'linux', emulated: false };
type Cell = CompareResponse['cells'][number];
const cell = (framework: string, medianMs: number, robustSpread: number, opClasses: Cell['opClasses'] = [], over: Partial<Cell> = {}): Cell => ({
  deviceId: device.id,
  deviceName: device.name,
  emulated: false,
  framework,
  frameworkVersion: '1.0',
  computeUnits: null,
  artifactId: `a-${framework}`,
  format: 'onnx',
  jobId: `job-${framework}`,
  medianMs,
  medianCi: { lowMs: medianMs * 0.98, highMs: medianMs * 1.03, level: 0.96 },
  p90Ms: medianMs * 1.5,
  cv: 0.3,
  madMs: medianMs * robustSpread * 0.5,
  iqrMs: medianMs * robustSpread,
  robustSpread,
  outliersLow: 0,
  outliersHigh: 2,
  runs: 30,
  measuredAt: '2026-01-01T00:00:00.000Z',
  layerSumMs: null,
  layerSumRatio: null,
  layerBasis: null,
  layerNote: null,
  opClasses,
  ...over,
});

const compare: CompareResponse = {
  modelId: 'm1',
  modelName: 'blazeface',
  devices: [device],
  frameworks: ['onnxruntime', 'tflite'],
  noisySpread: 0.1,
  cells: [
    cell(
      'tflite',
      5.66944,
      0.05,
      [
        { opClass: 'conv', timeMs: 5.2, share: 0.627 },
        { opClass: 'depthwise_conv', timeMs: 2, share: 0.241 },
        { opClass: 'elementwise', timeMs: 0.3, share: 0.037 },
        { opClass: 'pool', timeMs: 0.1, share: 0.013 },
      ],
      { layerSumMs: 5.5, layerSumRatio: 0.97, layerBasis: 'ms' },
    ),
    cell('onnxruntime', 3.2826355, 0.53, [{ opClass: 'activation', timeMs: null, share: 0 }], {
      layerSumMs: 9,
      layerSumRatio: 2.74,
      layerBasis: 'shares',
      layerNote: 'profiler overhead',
    }),
  ],
  pairs: [
    {
      deviceId: device.id,
      deviceName: device.name,
      a: { framework: 'onnxruntime', artifactId: 'a-onnxruntime', jobId: 'job-onnxruntime' },
      b: { framework: 'tflite', artifactId: 'a-tflite', jobId: 'job-tflite' },
      ratio: 0.58,
      low: 0.55,
      high: 0.61,
      level: 0.95,
      resamples: 2000,
      verdict: 'faster',
      differencePct: 42,
      differenceLowPct: 39,
      differenceHighPct: 45,
      text: 'onnxruntime is faster than tflite by 42% [39%, 45%]',
    },
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
  const t = renderTable(
    ['name', 'ms'],
    [
      ['a', '1.5'],
      ['long name', '12.25'],
    ],
    new Set([1]),
  );
  assert.deepEqual(t.split('\n'), ['name          ms', '---------  -----', 'a            1.5', 'long name  12.25']);
});

test('comparison table: one row per cell sorted by framework: median with its CI, robust spread flagged noisy, outliers, layer sum; then the verdicts', () => {
  const lines = formatCompareTable(compare).split('\n');
  assert.equal(lines[0], 'Model blazeface (m1)');
  const onnx = lines.find((l) => l.startsWith('onnxruntime'))!;
  const tfl = lines.find((l) => l.startsWith('tflite'))!;
  assert.ok(lines.indexOf(onnx) < lines.indexOf(tfl));
  assert.match(onnx, /3\.28 \[3\.22, 3\.38\] \*/);
  assert.match(onnx, /4\.92/);
  assert.match(onnx, /53\.0% !/);
  assert.match(onnx, /2\.74x shares/);
  assert.match(onnx, /no layer profile/);
  assert.match(tfl, /5\.67 \[5\.56, 5\.84\] {3}/);
  assert.match(tfl, /5\.0% {3}/);
  assert.match(tfl, / 2 +30 +0\.97x +conv/, 'outliers (low + high), runs, layer-sum ratio');
  assert.match(tfl, /conv 63%, depthwise_conv 24%, elementwise 4%$/);
  assert.ok(lines.some((l) => l.startsWith('! noisy: IQR/median above 10.0%')));
  assert.ok(lines.some((l) => l.startsWith('shares:')));
  const v = lines.findIndex((l) => l.startsWith('Verdicts'));
  assert.ok(v > lines.indexOf(tfl));
  assert.match(lines[v]!, /95% bootstrap interval/);
  assert.equal(lines[v + 1], '  vm (desktop): onnxruntime is faster than tflite by 42% [39%, 45%]');
});

test('a quiet table has no noisy or shares note, and no verdict block without pairs', () => {
  const quiet = { ...compare, cells: [compare.cells[0]!], pairs: [] };
  const text = formatCompareTable(quiet);
  assert.doesNotMatch(text, /noisy|shares|Verdicts/);
});

test('comparison table says so when the model has no results', () => {
  assert.equal(formatCompareTable({ ...compare, cells: [] }), 'No results yet for model "blazeface" (m1).');
});

const job = (over: Partial<RunJob>): RunJob => ({
  id: 'j',
  device: { id: device.id, name: device.name, emulated: false },
  framework: 'onnxruntime',
  artifact: { id: 'a1', format: 'onnx', variant: 'original' },
  conversionId: null,
  options: {},
  status: 'queued',
  attempts: 0,
  progress: null,
  error: null,
  waiting: null,
  queuedAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
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

test('cells, verdicts and failures of an emulated device are marked as emulation', () => {
  const phone = { id: 'p1', name: 'Pixel 8', platform: 'android', emulated: true };
  const onPhone = (c: Cell): Cell => ({ ...c, deviceId: phone.id, deviceName: phone.name, emulated: true, jobId: `p-${c.jobId}` });
  const pair = { ...compare.pairs[0]!, deviceId: phone.id, deviceName: phone.name };
  const mixed = { ...compare, devices: [device, phone], cells: [...compare.cells, ...compare.cells.map(onPhone)], pairs: [...compare.pairs, pair] };
  const lines = formatCompareTable(mixed).split('\n');
  const phoneRows = lines.filter((l) => l.includes('Pixel 8 [EMULATED]') && !l.startsWith(' '));
  assert.equal(phoneRows.length, 2);
  for (const r of phoneRows) assert.match(r, / emulation/);
  // Same medians as the desktop here, yet only hardware takes the fastest mark.
  for (const r of phoneRows) assert.doesNotMatch(r, /\] \*/);
  assert.ok(lines.some((l) => l.includes('vm (desktop)') && /\] \*/.test(l)));
  for (const r of lines.filter((l) => l.includes('vm (desktop)') && !l.startsWith(' '))) assert.doesNotMatch(r, /EMULATED|emulation/);
  assert.ok(lines.some((l) => l.startsWith('EMULATED: the device is emulated; its timings are emulation')));
  assert.ok(lines.includes('  Pixel 8 [EMULATED]: onnxruntime is faster than tflite by 42% [39%, 45%]'));
  assert.doesNotMatch(formatCompareTable(compare), /EMULATED|emulation/);
  const failed = job({ status: 'failed', device: { id: phone.id, name: phone.name, emulated: true }, error: { code: 'RUNNER_FAILED', message: 'x' } });
  assert.deepEqual(formatFailures([failed]), ['onnxruntime on Pixel 8 [EMULATED] (onnx): RUNNER_FAILED: x']);
});

test('devices table: platform, SoC, state, last temperature, battery and the EMULATED marker; unauthorized phones say what to do', () => {
  const agent = { id: 'a', name: 'host', hostname: 'host', version: '1' };
  const base: DeviceView = {
    id: 'd1',
    name: 'bench-desktop',
    serial: 'bench-desktop',
    platform: 'linux',
    transport: 'local',
    status: 'online',
    emulated: false,
    lastHeartbeatAt: '2026-01-01T00:00:00.000Z',
    cpuModel: 'AMD EPYC',
    soc: null,
    cores: 2,
    coreMaxFreqMHz: null,
    ramBytes: 2 ** 30,
    osVersion: 'Debian 12',
    abi: 'x64',
    frameworks: [{ framework: 'onnxruntime', version: '1.30.0' }],
    lastTemperatureC: null,
    lastThermalState: null,
    battery: null,
    lastSnapshotAt: null,
    agent,
  };
  const phone: DeviceView = {
    ...base,
    id: 'd2',
    name: 'Pixel 8',
    platform: 'android',
    transport: 'adb',
    status: 'cooling',
    emulated: true,
    soc: 'Tensor G3',
    lastTemperatureC: 41.46,
    battery: { levelPercent: 87, charging: true, temperatureC: 33.1 },
    frameworks: [{ framework: 'tflite', version: '2.16' }],
  };
  const locked: DeviceView = {
    ...base,
    id: 'd3',
    name: 'R58M123',
    platform: 'android',
    transport: 'adb',
    status: 'unauthorized',
    cpuModel: null,
    cores: null,
    ramBytes: null,
    osVersion: null,
    abi: null,
    frameworks: [],
  };
  const iphone: DeviceView = { ...base, id: 'd4', name: 'iPhone 15', platform: 'ios', transport: 'appium', lastThermalState: 'serious', frameworks: [] };
  const lines = formatDevicesTable([base, phone, locked, iphone]).split('\n');
  assert.match(
    lines.find((l) => l.startsWith('iPhone 15'))!,
    /ios +AMD EPYC +online +thermal serious +- +-$/,
  );
  assert.match(lines[0]!, /^name +id +platform +soc \/ cpu +state +temp +battery +frameworks$/);
  assert.match(
    lines.find((l) => l.startsWith('bench-desktop'))!,
    /linux +AMD EPYC +online +- +- +onnxruntime 1\.30\.0$/,
  );
  assert.match(
    lines.find((l) => l.startsWith('Pixel 8'))!,
    /^Pixel 8 \[EMULATED\] +d2 +android +Tensor G3 +cooling +41\.5 C +87% charging, 33\.1 C +tflite 2\.16$/,
  );
  assert.match(
    lines.find((l) => l.startsWith('R58M123'))!,
    /android +- +unauthorized +- +- +-$/,
  );
  assert.ok(lines.includes('unauthorized: accept the USB debugging prompt on the phone'));
  assert.ok(lines.some((l) => l.startsWith('EMULATED: the device is emulated')));
});

test('a Core ML cell shows its compute units, and estimated per-layer times are labelled estimated, never as a ratio', () => {
  const coreml = cell('coreml [cpuAndNeuralEngine]', 2.1, 0.02, [{ opClass: 'conv', share: 0.6, timeMs: 1.26 }], {
    computeUnits: 'cpuAndNeuralEngine',
    format: 'coreml',
    layerBasis: 'estimated',
    layerSumMs: 2.1,
    layerSumRatio: 1,
    layerNote: 'MLComputePlan estimated cost share x measured median',
  });
  const out = formatCompareTable({ ...compare, cells: [coreml], frameworks: ['coreml [cpuAndNeuralEngine]'], pairs: [] });
  assert.match(out, /coreml \[cpuAndNeuralEngine\]/);
  assert.match(out, /\bestimated\b/);
  assert.doesNotMatch(out, /1\.00x/);
  assert.match(out, /estimated: per-layer times are Core ML's estimated cost shares/);
});
