/** The CSV export: one line per row, per column ms (empty on shares-only columns), share and confidence, deltas against the first column; RFC 4180 quoting. */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import type { LayerCompareResponse } from '@farm/contracts';
import { layerCompareCsv } from './layer-compare-csv.js';

const column = (key: string, framework: string, layerBasis: 'ms' | 'shares') =>
  ({ key, framework, deviceName: 'desk, 1', layerBasis }) as unknown as LayerCompareResponse['columns'][number];

test('rows, columns and quoting', () => {
  const view = {
    columns: [column('a', 'onnxruntime', 'ms'), column('b', 'tflite', 'shares')],
    rows: [
      {
        key: 'conv "1"',
        sourceNodes: ['conv "1"', 'relu'],
        opTypes: ['Conv', 'Relu'],
        opClass: 'conv',
        group: true,
        lowConfidence: false,
        cells: { a: { timeMs: 0.5, share: 0.25, layers: [], confidence: 1, methods: ['name'] }, b: null },
        deltas: [],
      },
      {
        key: 'pool',
        sourceNodes: ['pool'],
        opTypes: ['MaxPool'],
        opClass: 'pool',
        group: false,
        lowConfidence: false,
        cells: {
          a: { timeMs: 0.2, share: 0.1, layers: [], confidence: 1, methods: ['name'] },
          b: { timeMs: null, share: 0.3, layers: [], confidence: 0.9, methods: ['shape'] },
        },
        deltas: [{ a: 'a', b: 'b', basis: 'shares', ratio: 3, ratioLow: 2.5, ratioHigh: 3.5, verdict: 'slower' }],
      },
    ],
  } as unknown as LayerCompareResponse;
  assert.equal(
    layerCompareCsv(view),
    'row,source_nodes,op_types,op_class,group,low_confidence,' +
      '"onnxruntime @ desk, 1 ms","onnxruntime @ desk, 1 share","onnxruntime @ desk, 1 confidence","tflite @ desk, 1 ms","tflite @ desk, 1 share","tflite @ desk, 1 confidence",' +
      '"tflite @ desk, 1 / onnxruntime @ desk, 1 ratio","tflite @ desk, 1 / onnxruntime @ desk, 1 ratio low","tflite @ desk, 1 / onnxruntime @ desk, 1 ratio high","tflite @ desk, 1 / onnxruntime @ desk, 1 verdict"\r\n' +
      '"conv ""1""","conv ""1"" + relu",Conv + Relu,conv,true,false,0.5,0.25,1,,,,,,,\r\n' +
      'pool,pool,MaxPool,pool,false,false,0.2,0.1,1,,0.3,0.9,3,2.5,3.5,slower\r\n',
  );
});
