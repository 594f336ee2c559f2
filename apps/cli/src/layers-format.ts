/**
 * Text rendering of /compare/layers and /compare/advice for the terminal: the aligned table
 * (source nodes or fused groups, each framework's time or share, the delta between the first
 * two columns), the coverage per framework, the end-to-end verdicts, and the advice.
 */
import type { AdviceResponse, LayerCompareResponse } from './api-client.js';
import { formatMs, formatPercent, renderTable } from './table-format.js';

/** The last two path segments of a node name: enough to recognise it, short enough for a terminal. */
const shortName = (n: string) => n.split('/').slice(-2).join('/');

export function formatLayersTable(view: LayerCompareResponse, opts: { top?: number } = {}): string {
  const cols = view.columns;
  const [a, b] = cols;
  // Largest first by the share they take in whichever framework they take the most.
  const rows = [...view.rows]
    .sort((x, y) => Math.max(...cols.map((c) => y.cells[c.key]?.share ?? 0)) - Math.max(...cols.map((c) => x.cells[c.key]?.share ?? 0)))
    .slice(0, opts.top ?? view.rows.length);
  const headers = ['source node(s)', 'op', ...cols.map((c) => `${c.framework} ${c.layerBasis === 'ms' ? 'ms' : 'share'}`)];
  if (a && b) headers.push(`${b.framework}/${a.framework}`);
  const body = rows.map((r) => {
    const name = `${r.group ? '[group] ' : ''}${r.lowConfidence ? '~' : ''}${r.sourceNodes.map(shortName).join(' + ')}`;
    const cells = cols.map((c) => {
      const x = r.cells[c.key];
      if (!x) return '-';
      return c.layerBasis === 'ms' ? formatMs(x.timeMs!) : formatPercent(x.share);
    });
    const line = [name, r.opTypes.join('+'), ...cells];
    if (a && b) line.push(deltaCell(r.deltas.find((d) => d.a === a.key && d.b === b.key)));
    return line;
  });
  const right = new Set(headers.map((_, i) => i).filter((i) => i >= 2));
  const scope = view.scope.kind === 'device' ? `on ${view.scope.deviceName}` : `under ${view.scope.framework} across devices`;
  return [
    `${view.modelName} ${scope}: layers aligned on ${view.source.fileName} (${view.source.format}, ${view.source.nodes} nodes)`,
    ...cols.map(
      (c) =>
        `  ${c.framework}${view.scope.kind === 'framework' ? ` on ${c.deviceName}` : ''}: median ${formatMs(c.medianMs)} ms [${formatMs(c.medianCi.lowMs)}, ${formatMs(c.medianCi.highMs)}]; ` +
        `${formatPercent(c.matchedShare)} of ${formatMs(c.profiledMs)} ms profiled matched` +
        (c.lowConfidenceShare > 0 ? `, ${formatPercent(c.lowConfidenceShare)} low confidence` : ''),
    ),
    ...view.pairs.map((p) => `  ${p.text}`),
    renderTable(headers, body, right),
    `[group]: engines fused these source nodes; ~: matched by order or shape (confidence below ${view.lowConfidenceBelow}).` +
      ' Per-layer figures are medians over the profiled runs; the last column is their ratio with a 95% bootstrap interval' +
      ' from each layer\u2019s per-run times ("same": no detectable difference; "no interval": that runner gives no runs apart).',
  ].join('\n');
}

/** "1.84x [1.62, 2.10]", "same 1.03x [0.91, 1.18]" (no detectable difference), or "1.20x no interval". */
function deltaCell(d: LayerCompareResponse['rows'][number]['deltas'][number] | undefined): string {
  if (!d || d.ratio === null) return '-';
  if (d.verdict === 'unknown') return `${d.ratio.toFixed(2)}x no interval`;
  const interval = d.ratioLow !== null && d.ratioHigh !== null ? ` [${d.ratioLow.toFixed(2)}, ${d.ratioHigh.toFixed(2)}]` : '';
  return `${d.verdict === 'same' ? 'same ' : ''}${d.ratio.toFixed(2)}x${interval}`;
}

export function formatAdvice(advice: AdviceResponse): string {
  if (advice.items.length === 0) return 'advice: no rule fired on the measured results';
  const lines = [`advice for ${advice.modelName}:`];
  for (const i of advice.items) {
    lines.push(`- [${i.severity}] ${i.title}`);
    if (i.evidence.length)
      lines.push(
        `    measured share: ${i.evidence.map((e) => `${e.framework} on ${e.deviceName} ${formatPercent(e.share)}${e.ownLayer ? '' : ' (fused group)'}`).join(', ')}`,
      );
    lines.push(`    expected gain: ${i.expectedGain}`);
    for (const a of i.actions) lines.push(`    try it: ${a.label}: POST /benchmarks ${JSON.stringify(a.request)}`);
  }
  return lines.join('\n');
}
