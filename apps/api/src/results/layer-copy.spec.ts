import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import type { LayerTiming } from '@farm/contracts';
import { LAYER_COPY_COLUMNS, copyText, layerCopyChunks } from './layer-copy.js';

const RESULT = '00000000-0000-4000-8000-000000000001';

test('COPY text escapes the characters that would split a field or a row, and leaves other text alone', () => {
  assert.equal(copyText('conv_1/Relu:0'), 'conv_1/Relu:0');
  assert.equal(copyText('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e');
  assert.equal(copyText('\\N'), '\\\\N', 'a name spelled \\N stays a name, not NULL');
});

test('rows carry one field per column, in order, with shares of the layer sum and the per-run samples', () => {
  const layers: LayerTiming[] = [
    { name: 'a\tb', opType: 'Conv', opClass: 'conv', timeMs: 3, samplesMs: [2.5, 3.5] },
    { name: 'c', opType: 'Relu', opClass: 'elementwise', timeMs: 1, samplesMs: [1, 1e-7] },
  ];
  const rows = [...layerCopyChunks(RESULT, layers)].join('').split('\n');
  assert.equal(rows.pop(), '', 'every row ends with a newline');
  assert.deepEqual(
    rows.map((r) => r.split('\t')),
    [
      [RESULT, '0', 'a\\tb', 'Conv', 'conv', '3', '0.75', '{2.5,3.5}'],
      [RESULT, '1', 'c', 'Relu', 'elementwise', '1', '0.25', '{1,1e-7}'],
    ],
  );
  assert.equal(rows[0]!.split('\t').length, LAYER_COPY_COLUMNS.length);
});

test('layers without samples get an empty array, a zero layer sum gives zero shares, and chunks split only between rows', () => {
  const layers: LayerTiming[] = Array.from({ length: 5 }, (_, i) => ({ name: `l${i}`, opType: 'Add', opClass: 'elementwise', timeMs: 0 }));
  const chunks = [...layerCopyChunks(RESULT, layers, 2)];
  assert.equal(chunks.length, 3);
  for (const c of chunks) assert.ok(c.endsWith('\n'));
  const rows = chunks.join('').trimEnd().split('\n');
  assert.deepEqual(
    rows.map((r) => r.split('\t').slice(1)),
    layers.map((l, i) => [String(i), l.name, 'Add', 'elementwise', '0', '0', '{}']),
  );
});

test('a nonzero sample too small for a 4-byte float goes in as 0 (Postgres would refuse its text); the smallest it can hold stays', () => {
  const layers: LayerTiming[] = [{ name: 'a', opType: 'Conv', opClass: 'conv', timeMs: 1, samplesMs: [1e-50, 1e-45, 0, 2] }];
  const [row] = [...layerCopyChunks(RESULT, layers)];
  assert.equal(row!.trimEnd().split('\t').at(-1), '{0,1e-45,0,2}');
});
