// Where Postgres spends a result's layer COPY: the same LAYERS rows (the text ingest sends,
// built by the API's own layer-copy.ts) COPYed into four tables shaped like layer_timings, each in
// a transaction that is rolled back: as layer_timings is (a serial id, an index on result_id and
// the foreign key to the result), keyed by (result_id, idx) instead of the id and the index, without
// the foreign key, and without the foreign key or any index. The foreign key points at a one-row
// stand-in for benchmark_results, so the tables differ only in what they check and index. ROUNDS
// rounds, the tables' order rotating per round; prints each table's median ms and the ratio of
// layer_timings' time to its time (median of per-round ratios, bootstrap 95% interval,
// bench/lib/intervals.mjs). No API process.
//   bash bench/ingest/copy-parts.sh [--layers 20000] [--rounds 15]
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { LAYER_COPY_COLUMNS, layerCopyChunks } from '@farm/api/results/layer-copy';
import { benchDatabase } from '../lib/farm-api.mjs';
import { describeRatio, medianWithInterval, pairedRatio } from '../lib/intervals.mjs';

const { values: args } = parseArgs({ options: { layers: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '15' } } });
const LAYERS = Number(args.layers);
const ROUNDS = Number(args.rounds);
const RESULT = '00000000-0000-4000-8000-000000000001';

const client = new pg.Client({ connectionString: await benchDatabase('copy_parts') });
await client.connect();
const TABLES = {
  'as layer_timings is': 'copy_as_is',
  'keyed by (result_id, idx), with the foreign key': 'copy_result_key',
  'without the foreign key': 'copy_no_fk',
  'without the foreign key or any index': 'copy_bare',
};
await client.query(`
  CREATE TABLE copy_results (id uuid PRIMARY KEY);
  INSERT INTO copy_results VALUES ('${RESULT}');
  CREATE TABLE copy_as_is (LIKE layer_timings INCLUDING DEFAULTS INCLUDING INDEXES);
  ALTER TABLE copy_as_is ADD FOREIGN KEY (result_id) REFERENCES copy_results (id) ON DELETE CASCADE;
  CREATE TABLE copy_result_key (LIKE layer_timings INCLUDING DEFAULTS);
  ALTER TABLE copy_result_key DROP COLUMN id, ADD PRIMARY KEY (result_id, idx);
  ALTER TABLE copy_result_key ADD FOREIGN KEY (result_id) REFERENCES copy_results (id) ON DELETE CASCADE;
  CREATE TABLE copy_no_fk (LIKE layer_timings INCLUDING DEFAULTS INCLUDING INDEXES);
  CREATE TABLE copy_bare (LIKE layer_timings INCLUDING DEFAULTS);
`);
// BlazeFace-like names and op types, one per-run sample each, as bench/ingest/run.mjs delivers them.
const layers = Array.from({ length: LAYERS }, (_, i) => ({
  name: `model/conv_${i % 118}/Conv2D#${Math.floor(i / 118)}`,
  opType: 'Conv',
  opClass: 'other',
  timeMs: 0.0123 + (i % 7) / 1000,
  samplesMs: [0.0123 + (i % 5) / 1000],
}));
const chunks = [...layerCopyChunks(RESULT, layers)];
const ms = Object.fromEntries(Object.keys(TABLES).map((k) => [k, []]));
const names = Object.keys(TABLES);
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + r) % names.length];
    await client.query('BEGIN');
    const t0 = performance.now();
    await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY ${TABLES[name]} (${LAYER_COPY_COLUMNS.join(', ')}) FROM STDIN`)));
    ms[name].push(performance.now() - t0);
    await client.query('ROLLBACK');
  }
}
await client.end();
for (const name of names) {
  const m = medianWithInterval(ms[name]);
  const line = `${name}: median ${m.estimate.toFixed(1)} ms per ${LAYERS} rows (95% CI ${m.ci[0].toFixed(1)}-${m.ci[1].toFixed(1)}), ${Math.round((LAYERS / m.estimate) * 1000)} rows/s`;
  const first = names[0];
  console.log(name === first ? line : `${line}; layer_timings / this: ${describeRatio(pairedRatio(ms[first], ms[name]), 'layer_timings', 'this')}`);
}
