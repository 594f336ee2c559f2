// The comparison views of one model on one device (the stable link is ?modelId=&deviceId=), from GET /compare/layers and GET /compare/advice:
// the side-by-side layer table (rows are source nodes or fused groups; sortable; colour by share;
// a delta between two chosen columns), op-class bars per framework, each cell's latency
// distribution from its raw samples (GET /results/:jobId) beside load and first inference,
// fp32 vs int8 with agreement, and the advisor's items with one-click benchmarks.
import { api, apiPost } from './api.js';
import { $, el, emulatedBadge, OP_CLASS_COLOURS } from './dom.js';

export function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  return ms.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}
const pct = (x) => `${(x * 100).toFixed(1)}%`;

const view = { modelId: null, deviceId: null, data: null, sort: { key: 'order', dir: 1 }, deltaA: null, deltaB: null, generation: 0 };

function ready(flag) {
  $('layers-section').dataset.ready = String(flag);
}

/** Loads the views for a model; the device comes from ?deviceId= (a stable link) or the first device of /compare. */
export async function loadLayerViews(cmp) {
  const section = $('layers-section');
  const generation = ++view.generation;
  ready(false);
  view.modelId = cmp.modelId;
  // The device with the most results first: it has the most to compare.
  const count = (d) => cmp.cells.filter((c) => c.deviceId === d.id).length;
  const withLayers = cmp.devices.filter((d) => count(d) > 0).sort((a, b) => count(b) - count(a));
  if (withLayers.length === 0) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const wanted = new URLSearchParams(location.search).get('deviceId');
  const select = $('layers-device');
  select.replaceChildren(...withLayers.map((d) => el('option', { value: d.id }, `${d.name}${d.emulated ? ' (emulated)' : ''}`)));
  select.value = withLayers.some((d) => d.id === wanted) ? wanted : withLayers[0].id;
  select.onchange = () => loadDevice(select.value);
  await loadDevice(select.value, generation);
}

async function loadDevice(deviceId, generation = ++view.generation) {
  ready(false);
  view.deviceId = deviceId;
  const q = `modelId=${encodeURIComponent(view.modelId)}&deviceId=${encodeURIComponent(deviceId)}`;
  const url = new URL(location.href);
  url.searchParams.set('deviceId', deviceId);
  history.replaceState(null, '', url);
  $('layers-link').href = `${location.pathname}?modelId=${encodeURIComponent(view.modelId)}&deviceId=${encodeURIComponent(deviceId)}#layers-section`;
  $('layers-csv').href = `/compare/layers/export?${q}&format=csv`;
  $('layers-json').href = `/compare/layers/export?${q}&format=json`;
  $('layers-error').hidden = true;
  let data;
  let advice;
  try {
    [data, advice] = await Promise.all([api(`/compare/layers?${q}`), api(`/compare/advice?${q}`)]);
  } catch (e) {
    if (generation !== view.generation) return;
    $('layers-error').hidden = false;
    $('layers-error').textContent = `Could not load the layer comparison: ${e.code}: ${e.message}`;
    return ready(true);
  }
  if (generation !== view.generation) return;
  view.data = data;
  const keys = data.columns.map((c) => c.key);
  view.deltaA = keys[0] ?? null;
  view.deltaB = keys[1] ?? keys[0] ?? null;
  renderCoverage(data);
  renderDeltaPickers(data);
  renderTable();
  renderOpClassBars(data);
  renderInt8(data);
  renderAdvice(advice);
  await renderDistributions(data, generation);
  if (generation === view.generation) ready(true);
}

const columnLabel = (c) => `${c.framework}`;

function renderCoverage(data) {
  $('layers-coverage').replaceChildren(
    ...data.columns.map((c) =>
      el(
        'li',
        { dataset: { testid: 'coverage', key: c.key, matched: String(c.matchedShare), low: String(c.lowConfidenceShare) } },
        el('strong', {}, columnLabel(c)),
        c.emulated ? emulatedBadge('measurement') : null,
        `: ${pct(c.matchedShare)} of ${formatMs(c.profiledMs)} ms profiled in ${c.profiledLayers} layers matched to source nodes`,
        c.lowConfidenceShare > 0 ? `, ${pct(c.lowConfidenceShare)} with low confidence` : '',
        c.layerBasis === 'shares' ? el('span', { class: 'muted' }, ` (shares only: ${c.layerNote ?? 'layer sum does not match the median'})`) : null,
      ),
    ),
  );
  $('layers-pairs').replaceChildren(
    ...data.pairs.map((p) => el('li', { class: `verdict ${p.verdict}`, dataset: { testid: 'layers-pair', verdict: p.verdict } }, p.text)),
  );
}

function renderDeltaPickers(data) {
  for (const [id, prop] of [
    ['delta-a', 'deltaA'],
    ['delta-b', 'deltaB'],
  ]) {
    const s = $(id);
    s.replaceChildren(...data.columns.map((c) => el('option', { value: c.key }, columnLabel(c))));
    s.value = view[prop];
    s.onchange = () => {
      view[prop] = s.value;
      renderTable();
    };
  }
}

/**
 * B against A on this row, from the API's per-layer delta (ms, or shares of each run's profiled
 * time when a column is shares only), turned round when the API compared them the other way.
 */
export function rowDelta(r) {
  const a = view.data.columns.find((c) => c.key === view.deltaA);
  const b = view.data.columns.find((c) => c.key === view.deltaB);
  if (!a || !b || a === b) return null;
  const d = r.deltas.find((x) => (x.a === a.key && x.b === b.key) || (x.a === b.key && x.b === a.key));
  if (!d) return null;
  return d.a === a.key ? d : flipDelta(d);
}

export function flipDelta(d) {
  const inv = (x) => (x === null || x === 0 ? null : 1 / x);
  const neg = (x) => (x === null ? null : -x);
  const verdict = { faster: 'slower', slower: 'faster', same: 'same', unknown: 'unknown' }[d.verdict];
  return {
    ...d,
    a: d.b,
    b: d.a,
    ratio: inv(d.ratio),
    ratioLow: inv(d.ratioHigh),
    ratioHigh: inv(d.ratioLow),
    difference: -d.difference,
    differenceLow: neg(d.differenceHigh),
    differenceHigh: neg(d.differenceLow),
    verdict,
    runs: { a: d.runs.b, b: d.runs.a },
  };
}

/** "1.84× [1.62, 2.10]", "no detectable difference (1.03× [0.91, 1.18])", or "1.20× (no interval)" without per-run samples. */
export function deltaText(d) {
  if (d === null) return '–';
  const unit =
    d.basis === 'ms' ? (x) => `${x >= 0 ? '+' : '−'}${formatMs(Math.abs(x))} ms` : (x) => `${x >= 0 ? '+' : '−'}${(Math.abs(x) * 100).toFixed(1)} pts`;
  const point = d.ratio !== null ? `${d.ratio.toFixed(2)}×` : unit(d.difference);
  if (d.verdict === 'unknown') return `${point} (no interval)`;
  const interval =
    d.ratioLow !== null && d.ratio !== null ? `[${d.ratioLow.toFixed(2)}, ${d.ratioHigh.toFixed(2)}]` : `[${unit(d.differenceLow)}, ${unit(d.differenceHigh)}]`;
  return d.verdict === 'same' ? `no detectable difference (${point} ${interval})` : `${point} ${interval}`;
}

function sortRows(rows) {
  const { key, dir } = view.sort;
  const value = (r, i) => {
    if (key === 'order') return i;
    if (key === 'delta') return rowDelta(r)?.ratio ?? -Infinity;
    const c = view.data.columns.find((x) => x.key === key);
    return c ? (r.cells[c.key]?.share ?? -Infinity) : i;
  };
  return rows
    .map((r, i) => ({ r, v: value(r, i) }))
    .sort((x, y) => (x.v - y.v) * dir)
    .map((x) => x.r);
}

function header(label, key, title) {
  const active = view.sort.key === key;
  const th = el(
    'th',
    { class: 'num sortable', title, dataset: { sort: key, testid: 'sort' }, 'aria-sort': active ? (view.sort.dir > 0 ? 'ascending' : 'descending') : 'none' },
    label,
    active ? (view.sort.dir > 0 ? ' ▲' : ' ▼') : '',
  );
  th.addEventListener('click', () => {
    view.sort = { key, dir: active ? -view.sort.dir : key === 'order' ? 1 : -1 };
    renderTable();
  });
  return th;
}

/** Background by share of the column's profiled time: the costly rows stand out in every column. */
const shareColour = (share) => `rgba(36, 86, 201, ${Math.min(0.55, share * 2.5).toFixed(3)})`;
/** Delta colour: red where B is slower, green where faster, white around 1. */
function deltaColour(d) {
  if (d === null) return 'transparent';
  const t = Math.max(-1, Math.min(1, Math.log2(d) / 2));
  return t > 0 ? `hsl(0, 70%, ${95 - 30 * t}%)` : `hsl(130, 55%, ${95 + 30 * t}%)`;
}

function renderTable() {
  const data = view.data;
  const a = data.columns.find((c) => c.key === view.deltaA);
  const b = data.columns.find((c) => c.key === view.deltaB);
  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      header('#', 'order', 'source graph order'),
      el('th', {}, 'source node(s)'),
      el('th', {}, 'op'),
      ...data.columns.map((c) =>
        header(`${columnLabel(c)} ${c.layerBasis === 'ms' ? 'ms' : 'share'}`, c.key, `${c.framework} on ${c.deviceName}; sorted by share of its profiled time`),
      ),
      header(
        a && b && a !== b ? `${columnLabel(b)} / ${columnLabel(a)}` : 'delta',
        'delta',
        'ratio of the two per-layer medians over the profiled runs, with its 95% bootstrap interval from the per-run layer samples ("no interval" where a runner gave no runs apart)',
      ),
    ),
  );
  const order = new Map(data.rows.map((r, i) => [r.key, i]));
  const body = el(
    'tbody',
    {},
    ...sortRows(data.rows).map((r) => {
      const d = rowDelta(r);
      return el(
        'tr',
        { class: r.group ? 'group-row' : '', dataset: { testid: 'layer-compare-row', key: r.key, group: String(r.group), low: String(r.lowConfidence) } },
        el('td', { class: 'num muted' }, String(order.get(r.key) + 1)),
        el(
          'td',
          { class: 'name', title: r.sourceNodes.join('\n') },
          r.group
            ? el('span', { class: 'group-badge', title: `fused group of ${r.sourceNodes.length} source nodes` }, `group of ${r.sourceNodes.length}`)
            : null,
          r.lowConfidence
            ? el('span', { class: 'low-badge', dataset: { testid: 'low-confidence' }, title: 'matched by order or shape, not by name' }, 'low confidence')
            : null,
          ' ',
          r.sourceNodes.map((n) => n.split('/').slice(-2).join('/')).join(' + '),
        ),
        el('td', { class: 'small' }, r.opTypes.join('+')),
        ...data.columns.map((c) => {
          const x = r.cells[c.key];
          if (!x) return el('td', { class: 'num muted', dataset: { testid: 'layer-cell', col: c.key } }, '–');
          return el(
            'td',
            {
              class: 'num',
              style: { background: shareColour(x.share) },
              title: `${pct(x.share)} of ${c.framework}'s profiled time; layers: ${x.layers.join(', ')}; matched by ${x.methods.join(', ')} (confidence ${x.confidence.toFixed(2)})`,
              dataset: { testid: 'layer-cell', col: c.key, share: String(x.share), ...(x.timeMs !== null ? { timeMs: String(x.timeMs) } : {}) },
            },
            c.layerBasis === 'ms' ? formatMs(x.timeMs) : pct(x.share),
          );
        }),
        el(
          'td',
          {
            class: 'num',
            // Coloured only where the interval shows a difference.
            style: { background: d && (d.verdict === 'faster' || d.verdict === 'slower') && d.ratio !== null ? deltaColour(d.ratio) : 'transparent' },
            dataset: { testid: 'layer-delta', ...(d !== null ? { verdict: d.verdict } : {}) },
          },
          deltaText(d),
        ),
      );
    }),
  );
  $('layer-table').replaceChildren(head, body);
}

function renderOpClassBars(data) {
  const rows = data.opClasses.map((o) =>
    el(
      'div',
      { class: 'opbar-row', dataset: { testid: 'opclass', opClass: o.opClass } },
      el('div', { class: 'opbar-label' }, o.opClass.replace('_', ' ')),
      el(
        'div',
        { class: 'opbar-bars' },
        ...data.columns.map((c) => {
          const x = o.cells[c.key];
          const share = x?.share ?? 0;
          return el(
            'div',
            {
              class: 'opbar',
              dataset: { testid: 'opbar', col: c.key, share: String(share) },
              title: `${c.framework}: ${pct(share)}${x?.timeMs != null ? `, ${formatMs(x.timeMs)} ms` : ''}`,
            },
            el('span', { class: 'opbar-fw' }, columnLabel(c)),
            el('span', {
              class: 'opbar-fill',
              style: { width: `${(share * 100).toFixed(1)}%`, background: OP_CLASS_COLOURS[o.opClass] ?? OP_CLASS_COLOURS.other },
            }),
            el('span', { class: 'opbar-value' }, pct(share)),
          );
        }),
      ),
    ),
  );
  $('opclass-bars').replaceChildren(...rows);
}

/** Tukey box plot of the raw latencies: box at the quartiles, whiskers to the last run inside 1.5 IQR, outliers as dots. */
export function boxStats(samples) {
  const s = [...samples].sort((x, y) => x - y);
  const q = (p) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
  };
  const q1 = q(0.25);
  const q3 = q(0.75);
  const iqr = q3 - q1;
  const inside = s.filter((x) => x >= q1 - 1.5 * iqr && x <= q3 + 1.5 * iqr);
  return { q1, median: q(0.5), q3, lo: inside[0], hi: inside[inside.length - 1], outliers: s.filter((x) => x < q1 - 1.5 * iqr || x > q3 + 1.5 * iqr) };
}

function boxPlot(b, min, max) {
  const W = 420;
  const H = 34;
  const x = (v) => 10 + ((v - min) / (max - min || 1)) * (W - 20);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  const add = (tag, attrs) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    svg.append(n);
    return n;
  };
  add('line', { x1: x(b.lo), x2: x(b.hi), y1: H / 2, y2: H / 2, stroke: '#5f6b7a' });
  add('rect', { x: x(b.q1), y: 6, width: Math.max(1, x(b.q3) - x(b.q1)), height: H - 12, fill: '#dbe5fb', stroke: '#2456c9' });
  add('line', { x1: x(b.median), x2: x(b.median), y1: 6, y2: H - 6, stroke: '#1d232b', 'stroke-width': 2 });
  for (const o of b.outliers) add('circle', { cx: x(o), cy: H / 2, r: 3, fill: '#b3261e', 'data-testid': 'outlier', 'data-ms': o });
  return svg;
}

async function renderDistributions(data, generation) {
  const results = await Promise.all(data.columns.map((c) => api(`/results/${encodeURIComponent(c.key)}`).catch(() => null)));
  if (generation !== view.generation) return;
  const all = results.flatMap((r) => r?.latenciesMs ?? []);
  const min = Math.min(...all);
  const max = Math.max(...all);
  $('distributions').replaceChildren(
    el(
      'div',
      { class: 'muted small' },
      `Axis: ${formatMs(min)} to ${formatMs(max)} ms (shared by all rows). Box: quartiles; bar: median; whiskers: 1.5 IQR; red dots: outlier runs (counted, not dropped).`,
    ),
    ...data.columns.map((c, i) => {
      const r = results[i];
      if (!r) return el('div', { class: 'error' }, `${c.framework}: its result could not be read`);
      const b = boxStats(r.latenciesMs);
      return el(
        'div',
        {
          class: 'dist-row',
          dataset: {
            testid: 'distribution',
            key: c.key,
            medianMs: String(r.stats.medianMs),
            loadMs: String(r.loadMs),
            firstMs: String(r.firstInferenceMs),
            outliers: String(b.outliers.length),
            runs: String(r.latenciesMs.length),
          },
        },
        el('div', { class: 'dist-label' }, el('strong', {}, columnLabel(c)), el('div', { class: 'muted small' }, `${r.latenciesMs.length} runs`)),
        boxPlot(b, min, max),
        el(
          'dl',
          { class: 'dist-stats' },
          el('div', {}, el('dt', {}, 'steady median'), el('dd', { dataset: { testid: 'dist-median' } }, `${formatMs(r.stats.medianMs)} ms`)),
          el('div', {}, el('dt', {}, 'first inference'), el('dd', { dataset: { testid: 'dist-first' } }, `${formatMs(r.firstInferenceMs)} ms`)),
          el('div', {}, el('dt', {}, 'load'), el('dd', { dataset: { testid: 'dist-load' } }, `${formatMs(r.loadMs)} ms`)),
          el('div', {}, el('dt', {}, 'outliers'), el('dd', { dataset: { testid: 'dist-outliers' } }, String(b.outliers.length))),
        ),
      );
    }),
  );
}

function renderInt8(data) {
  const items = [];
  for (const q of data.columns.filter((c) => c.variant !== 'original')) {
    const base = q.framework.replace(/ \(int8\)$/, '');
    const f = data.columns.find((c) => c.variant === 'original' && c.framework === base);
    const fp32Median = f ? formatMs(f.medianMs) : null;
    const pair = f ? data.pairs.find((p) => (p.a.jobId === q.key && p.b.jobId === f.key) || (p.a.jobId === f.key && p.b.jobId === q.key)) : null;
    items.push(
      el(
        'li',
        {
          dataset: {
            testid: 'int8-pair',
            key: q.key,
            ...(pair ? { verdict: pair.verdict } : {}),
            ...(q.agreement ? { cosine: String(q.agreement.cosine) } : {}),
          },
        },
        el('strong', {}, q.framework),
        `: ${formatMs(q.medianMs)} ms`,
        f ? ` vs ${f.framework} ${fp32Median} ms: ` : ' (no fp32 result under the same engine on this device) ',
        pair ? el('span', { dataset: { testid: 'int8-verdict' } }, pair.text) : null,
        q.agreement
          ? el(
              'div',
              { class: 'small', dataset: { testid: 'int8-agreement' } },
              `agreement with ${q.agreement.referenceFramework} fp32 outputs: cosine ${q.agreement.cosine.toFixed(4)}, max abs error ${q.agreement.maxAbsError.toPrecision(3)}, mean abs error ${q.agreement.meanAbsError.toPrecision(3)}`,
            )
          : el('div', { class: 'small muted' }, 'no agreement figures recorded for this result'),
      ),
    );
  }
  $('int8-section').hidden = items.length === 0;
  $('int8-compare').replaceChildren(...items);
}

function renderAdvice(advice) {
  const list = advice.items.map((i, n) => {
    const actions = i.actions.map((a) => {
      const button = el('button', { type: 'button', dataset: { testid: 'advice-action' }, title: JSON.stringify(a.request) }, a.label);
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          const r = await apiPost('/benchmarks', a.request);
          button.after(el('span', { class: 'small', dataset: { testid: 'advice-queued' } }, ` queued run ${r.runId} (${r.jobs} job(s))`));
        } catch (e) {
          button.after(el('span', { class: 'error small' }, ` ${e.code}: ${e.message}`));
          button.disabled = false;
        }
      });
      return button;
    });
    return el(
      'li',
      { class: `advice ${i.severity}`, dataset: { testid: 'advice-item', rule: i.rule, index: String(n), maxShare: String(i.maxShare) } },
      el('div', { class: 'advice-title' }, el('span', { class: `sev sev-${i.severity}` }, i.severity), ' ', i.title),
      el('div', { class: 'small' }, i.detail),
      i.evidence.length
        ? el(
            'div',
            { class: 'small evidence' },
            'measured share: ',
            ...i.evidence.map((e) =>
              el(
                'span',
                { class: 'evidence-item', dataset: { testid: 'evidence', jobId: e.jobId, share: String(e.share) } },
                `${e.framework} ${pct(e.share)}${e.timeMs !== null ? ` (${formatMs(e.timeMs)} ms)` : ''}${e.ownLayer ? '' : ' in a fused group'}`,
              ),
            ),
          )
        : null,
      el('div', { class: 'small gain', dataset: { testid: 'advice-gain' } }, `Expected gain: ${i.expectedGain}`),
      actions.length ? el('div', { class: 'advice-actions' }, ...actions) : null,
    );
  });
  $('advice').replaceChildren(...(list.length ? list : [el('li', { class: 'muted' }, 'No rule fired on this model and device.')]));
}
