/**
 * CSV of an aligned layer comparison: one line per row, and per column its time (ms, empty when
 * the column's layer times are shares only), share and match confidence; then, for every column
 * after the first, its per-layer delta against the first (ratio, 95% interval, verdict; empty
 * interval when a side has no per-run samples). Fields are quoted per RFC 4180 so node names with
 * commas or quotes survive a spreadsheet.
 */
import type { LayerCompareResponse } from '@farm/contracts';

const quote = (v: string | number | boolean | null) => {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function layerCompareCsv(view: LayerCompareResponse): string {
  const label = (c: LayerCompareResponse['columns'][number]) => `${c.framework} @ ${c.deviceName}`;
  const header = ['row', 'source_nodes', 'op_types', 'op_class', 'group', 'low_confidence'];
  for (const c of view.columns) header.push(`${label(c)} ms`, `${label(c)} share`, `${label(c)} confidence`);
  const [first, ...rest] = view.columns;
  for (const c of rest) header.push(...['ratio', 'ratio low', 'ratio high', 'verdict'].map((f) => `${label(c)} / ${label(first!)} ${f}`));
  const lines = [header.map(quote).join(',')];
  for (const r of view.rows) {
    const fields: (string | number | boolean | null)[] = [r.key, r.sourceNodes.join(' + '), r.opTypes.join(' + '), r.opClass, r.group, r.lowConfidence];
    for (const c of view.columns) {
      const cell = r.cells[c.key];
      fields.push(cell?.timeMs ?? null, cell ? cell.share : null, cell ? cell.confidence : null);
    }
    for (const c of rest) {
      const d = r.deltas.find((x) => x.a === first!.key && x.b === c.key);
      fields.push(d?.ratio ?? null, d?.ratioLow ?? null, d?.ratioHigh ?? null, d?.verdict ?? null);
    }
    lines.push(fields.map(quote).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
