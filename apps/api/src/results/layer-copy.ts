/**
 * A result's layers as the rows of `COPY layer_timings (...) FROM STDIN` (text format), built in
 * chunks so a 20,000-layer result is never one giant string. COPY is the ingest's bulk path: the
 * same rows as parameters cost more to encode (pg's array literals, the Prisma client's query
 * building) than Postgres spends storing them.
 */
import type { LayerTiming } from '@farm/contracts';

/** The columns each row carries, in order: the COPY statement and the rows must agree. */
export const LAYER_COPY_COLUMNS = ['result_id', 'idx', 'name', 'op_type', 'op_class', 'time_ms', 'share', 'samples_ms'] as const;

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A text value in COPY's text format: backslash, tab, newline and carriage return escaped (NUL is refused at the API's door). */
export function copyText(s: string): string {
  return SPECIAL.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;
}

/**
 * A sample as samples_ms (real[]) takes it: a nonzero value too small for a 4-byte float is 0 (what
 * the column can hold; Postgres would refuse the text with "out of range" and fail the ingest).
 * Values above the 4-byte range are refused by the contract.
 */
function asFloat4Input(v: number): number {
  return v !== 0 && Math.fround(v) === 0 ? 0 : v;
}

/**
 * The rows, `rowsPerChunk` per string. share is the layer's part of the summed layer time (0 when
 * the sum is 0); samples_ms an array literal of the per-run samples, `{}` without them. Numbers
 * print as JavaScript's shortest round-trip form, which Postgres reads back to the same double.
 */
export function* layerCopyChunks(resultId: string, layers: readonly LayerTiming[], rowsPerChunk = 2000): Generator<string> {
  let total = 0;
  for (const l of layers) total += l.timeMs;
  for (let start = 0; start < layers.length; start += rowsPerChunk) {
    let chunk = '';
    const end = Math.min(layers.length, start + rowsPerChunk);
    for (let i = start; i < end; i++) {
      const l = layers[i]!;
      const share = total > 0 ? l.timeMs / total : 0;
      const samples = l.samplesMs && l.samplesMs.length > 0 ? `{${l.samplesMs.map(asFloat4Input).join(',')}}` : '{}';
      chunk += `${resultId}\t${i}\t${copyText(l.name)}\t${copyText(l.opType)}\t${l.opClass}\t${l.timeMs}\t${share}\t${samples}\n`;
    }
    yield chunk;
  }
}
