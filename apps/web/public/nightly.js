// Nightly suites view: the open regressions (change, confirmation re-run, likely cause) with a
// drill-down to the layer-by-layer diff of the baseline and tonight's results, and each suite's
// trends: every cell's nightly median with its confidence band, markers where a change was
// confirmed, and the environment of each night (model version, framework, agent, OS, temperature).
// Shapes: RegressionViewSchema and SuiteTrendsSchema in libs/contracts.
import { api, apiList } from './api.js';
import { $, el } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
const ms = (x) => (x === null || x === undefined ? '–' : x.toFixed(3));

function svg(tag, attrs = {}, ...children) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  for (const c of children) if (c) n.append(c);
  return n;
}

function layerDiffTable(r) {
  const a = r.attribution;
  const head = el(
    'thead',
    {},
    el('tr', {}, ...['layer (source nodes)', 'op', 'status', 'baseline ms', 'tonight ms', 'delta ms', 'share of change'].map((h) => el('th', {}, h))),
  );
  const rows = a.layers.map((l) =>
    el(
      'tr',
      { class: l.significant ? 'significant' : '', dataset: { testid: 'diff-row', status: l.status, significant: String(l.significant) } },
      el('td', {}, l.name),
      el('td', {}, l.opType),
      el('td', {}, l.status),
      el('td', { class: 'num' }, ms(l.baselineMs)),
      el('td', { class: 'num' }, ms(l.tonightMs)),
      el('td', { class: 'num' }, `${l.deltaMs >= 0 ? '+' : ''}${l.deltaMs.toFixed(3)}`),
      el('td', { class: 'num' }, `${Math.round(l.shareOfChange * 100)}%`),
    ),
  );
  return el('table', { class: 'layers', dataset: { testid: 'layer-diff' } }, head, el('tbody', {}, ...rows));
}

function showRegression(r) {
  const box = $('regression-detail');
  box.hidden = false;
  const changes = r.attribution?.changes.map((c) => `${c.what.replace('_', ' ')}: ${c.baseline} → ${c.tonight}`) ?? [];
  box.replaceChildren(
    el('h3', { dataset: { testid: 'regression-title' } }, `${r.suiteName} · ${r.nightKey} · ${r.framework} on ${r.deviceName}`),
    el('p', {}, `Detected: ${r.detection.reason}.`),
    el(
      'p',
      { dataset: { testid: 'confirmation' } },
      !r.confirmation
        ? 'Confirmation re-run pending.'
        : r.confirmation.method === 'paired'
          ? `Paired re-run on the same device (the baseline's version and this one, alternating): ${r.confirmation.reason}.`
          : `Re-run on the same device: ${r.confirmation.reason}.`,
    ),
    el('p', { dataset: { testid: 'likely-cause' } }, el('strong', {}, 'Likely cause: '), r.likelyCause ?? 'not attributed yet'),
    changes.length
      ? el('p', { class: 'muted' }, `What changed since the baseline: ${changes.join('; ')}`)
      : el('p', { class: 'muted' }, 'Nothing recorded changed since the baseline.'),
    r.attribution ? layerDiffTable(r) : null,
  );
}

async function loadRegressions() {
  const list = await apiList('/regressions?state=open');
  const table = $('regressions');
  $('regressions-status').textContent = list.length ? '' : 'No open regressions.';
  if (!list.length) return table.replaceChildren();
  const head = el('thead', {}, el('tr', {}, ...['suite / night', 'cell', 'change', 're-run', 'likely cause', 'state'].map((h) => el('th', {}, h))));
  const rows = list.map((r) => {
    const row = el(
      'tr',
      { class: 'clickable', dataset: { testid: 'regression-row', regressionId: r.id } },
      el('td', {}, r.suiteName, el('div', { class: 'muted small' }, r.nightKey)),
      el('td', {}, `${r.framework} on ${r.deviceName}`),
      el('td', { class: 'num' }, `${pct(r.detection.ratio)} (${ms(r.detection.baselineMedianMs)} → ${ms(r.detection.tonightMedianMs)} ms)`),
      el('td', { class: 'num' }, r.confirmation ? pct(r.confirmation.ratio) : '–'),
      el('td', {}, r.likelyCause ?? '–'),
      el('td', {}, r.state),
    );
    row.addEventListener('click', () => showRegression(r));
    return row;
  });
  table.replaceChildren(head, el('tbody', {}, ...rows));
}

/** One cell's medians over the nights: line, interval band, change markers; plain SVG. */
function trendChart(cell) {
  const W = 640;
  const H = 180;
  const P = 36;
  const pts = cell.points;
  const lows = pts.map((p) => p.ciLowMs ?? p.medianMs);
  const highs = pts.map((p) => p.ciHighMs ?? p.medianMs);
  const lo = Math.min(...lows) * 0.95;
  const hi = Math.max(...highs) * 1.05;
  const x = (i) => P + (pts.length === 1 ? (W - 2 * P) / 2 : (i * (W - 2 * P)) / (pts.length - 1));
  const y = (v) => H - P - ((v - lo) / (hi - lo || 1)) * (H - 2 * P);
  const band = [...pts.map((_, i) => `${x(i)},${y(highs[i])}`), ...pts.map((_, i) => `${x(pts.length - 1 - i)},${y(lows[pts.length - 1 - i])}`)].join(' ');
  const line = pts.map((p, i) => `${x(i)},${y(p.medianMs)}`).join(' ');
  return svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      width: W,
      height: H,
      class: 'trend',
      'data-testid': 'trend-chart',
      role: 'img',
      'aria-label': `median latency per night, ${cell.framework} on ${cell.deviceName}`,
    },
    svg('polygon', { points: band, class: 'trend-band', 'data-testid': 'trend-band' }),
    svg('polyline', { points: line, class: 'trend-line' }),
    ...pts.map((p, i) =>
      svg(
        'circle',
        {
          cx: x(i),
          cy: y(p.medianMs),
          r: p.regressionId ? 6 : 3,
          class: p.regressionId ? 'trend-change' : 'trend-point',
          'data-testid': p.regressionId ? 'change-marker' : 'trend-point',
        },
        svg('title', {}, `${p.nightKey}: ${ms(p.medianMs)} ms [${ms(p.ciLowMs)}, ${ms(p.ciHighMs)}]${p.regressionId ? ' — confirmed change' : ''}`),
      ),
    ),
    svg('text', { x: 4, y: y(hi / 1.05) + 4, class: 'trend-axis' }, `${ms(hi / 1.05)} ms`),
    svg('text', { x: 4, y: y(lo / 0.95) + 4, class: 'trend-axis' }, `${ms(lo / 0.95)} ms`),
  );
}

function environmentTable(cell) {
  const head = el(
    'thead',
    {},
    el('tr', {}, ...['night', 'median ms', 'model version', 'framework', 'agent', 'OS', 'temperature', 'CPU MHz'].map((h) => el('th', {}, h))),
  );
  const rows = cell.points.map((p) =>
    el(
      'tr',
      { dataset: { testid: 'night-env' } },
      el('td', {}, p.nightKey),
      el('td', { class: 'num' }, ms(p.medianMs)),
      el('td', { class: 'num' }, `v${p.modelVersion}`),
      el('td', {}, p.frameworkVersion),
      el('td', {}, p.agentVersion ?? '–'),
      el('td', {}, p.os ?? '–'),
      el('td', { class: 'num' }, p.temperatureC === null ? '–' : `${p.temperatureC.toFixed(1)} °C`),
      el('td', { class: 'num' }, p.cpuFreqMHz === null ? '–' : String(Math.round(p.cpuFreqMHz))),
    ),
  );
  return el('table', { class: 'layers small' }, head, el('tbody', {}, ...rows));
}

async function loadTrends(suiteId) {
  const t = await api(`/suites/${suiteId}/trends`);
  $('trends').replaceChildren(
    ...t.cells.map((c) =>
      el(
        'div',
        { class: 'trend-cell', dataset: { testid: 'trend-cell' } },
        el('h3', {}, `${c.modelSlug}: ${c.framework} on ${c.deviceName}`),
        trendChart(c),
        environmentTable(c),
      ),
    ),
  );
}

export async function loadNightly() {
  const section = $('nightly-section');
  section.dataset.ready = 'false';
  try {
    const suites = await apiList('/suites');
    section.hidden = suites.length === 0;
    if (!suites.length) return;
    await loadRegressions();
    const select = $('suite-select');
    select.replaceChildren(...suites.map((s) => el('option', { value: s.id }, s.name)));
    select.onchange = () => loadTrends(select.value);
    await loadTrends(suites[0].id);
  } catch (e) {
    $('regressions-status').textContent = `Could not load suites: ${e.code}: ${e.message}`;
  } finally {
    section.dataset.ready = 'true';
  }
}
