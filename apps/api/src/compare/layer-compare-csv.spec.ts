/** The CSV export: one line per row, per column ms (empty on shares-only columns), share and confidence; RFC 4180 quoting. */
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
      },
    ],
  } as unknown as LayerCompareResponse;
  assert.equal(
    layerCompareCsv(view),
    'row,source_nodes,op_types,op_class,group,low_confidence,' +
      '"onnxruntime @ desk, 1 ms","onnxruntime @ desk, 1 share","onnxruntime @ desk, 1 confidence","tflite @ desk, 1 ms","tflite @ desk, 1 share","tflite @ desk, 1 confidence"\r\n' +
      '"conv ""1""","conv ""1"" + relu",Conv + Relu,conv,true,false,0.5,0.25,1,,,\r\n',
  );
});
