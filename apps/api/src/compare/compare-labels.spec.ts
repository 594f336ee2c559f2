import { strict as assert } from 'node:assert';
import { test } from '@jest/globals';
import { frameworkLabel, jobComputeUnits, opClassBreakdown } from './compare.service.js';

test('Core ML cells are labelled with their compute units; other options add nothing', () => {
  assert.equal(frameworkLabel('coreml', 'original', jobComputeUnits({ threads: 1, computeUnits: 'cpuAndNeuralEngine' })), 'coreml [cpuAndNeuralEngine]');
  assert.equal(frameworkLabel('onnxruntime', 'int8_qdq', jobComputeUnits({ threads: 4 })), 'onnxruntime (int8)');
  assert.equal(jobComputeUnits({ computeUnits: 'gpuOnly' }), null);
  assert.equal(jobComputeUnits(null), null);
});

test('estimated layer times keep their milliseconds (labelled by the basis); shares never get any', () => {
  const layers = [
    { opClass: 'conv', timeMs: 1.5 },
    { opClass: 'activation', timeMs: 0.5 },
  ] as Parameters<typeof opClassBreakdown>[0];
  assert.deepEqual(
    opClassBreakdown(layers, 'estimated').map((o) => [o.opClass, o.timeMs]),
    [
      ['conv', 1.5],
      ['activation', 0.5],
    ],
  );
  assert.ok(opClassBreakdown(layers, 'shares').every((o) => o.timeMs === null));
});
