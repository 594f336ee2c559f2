import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { attribute, type AttributedResult } from './attribution.js';

const base: AttributedResult = {
  medianMs: 1,
  modelVersion: 1,
  frameworkVersion: '1.30.0',
  agentVersion: '0.1.0',
  os: 'Linux 6.1',
  temperatureC: null,
  cpuFreqMHz: null,
  layers: [
    { name: 'conv1', opType: 'Conv', opClass: 'conv', timeMs: 0.5 },
    { name: 'relu1', opType: 'Relu', opClass: 'activation', timeMs: 0.1 },
  ],
};

test('added layers of a new model version carry the slowdown and are named as its cause', () => {
  const tonight: AttributedResult = {
    ...base,
    modelVersion: 2,
    layers: [
      ...base.layers,
      { name: 'extra_conv_0', opType: 'Conv', opClass: 'conv', timeMs: 2 },
      { name: 'extra_conv_1', opType: 'Conv', opClass: 'conv', timeMs: 2.1 },
    ],
  };
  const a = attribute(base, tonight);
  assert.ok(Math.abs(a.layerSumDeltaMs - 4.1) < 1e-9);
  assert.equal(a.layers[0]!.name, 'extra_conv_1');
  assert.equal(a.layers[0]!.status, 'added');
  assert.ok(a.layers[0]!.significant);
  assert.deepEqual(a.changes, [{ what: 'model_version', baseline: 1, tonight: 2 }]);
  assert.match(a.likelyCause, /^model version 1 -> 2: 2 added\/removed layer\(s\) carry 100% of the slowdown \(extra_conv_1, extra_conv_0\)/);
  assert.match(a.summary[0]!, /^extra_conv_1 \(Conv, added\): \+2\.100 ms, 51% of the slowdown$/);
  assert.equal(a.layers.find((l) => l.name === 'conv1')!.status, 'same');
});

test('a framework upgrade that slows one layer is the cause when the model did not change', () => {
  const tonight: AttributedResult = { ...base, frameworkVersion: '1.31.0', layers: [{ ...base.layers[0]!, timeMs: 0.9 }, base.layers[1]!] };
  const a = attribute(base, tonight);
  assert.equal(a.likelyCause, 'framework version 1.30.0 -> 1.31.0');
  assert.equal(a.layers[0]!.status, 'changed');
  assert.ok(a.layers[0]!.significant);
});

test('with nothing recorded as changed, the report says so instead of guessing', () => {
  const a = attribute(base, { ...base, layers: [{ ...base.layers[0]!, timeMs: 0.6 }, base.layers[1]!] });
  assert.match(a.likelyCause, /^no recorded change/);
});
