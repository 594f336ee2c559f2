// Dashboard logic: loads models, the /compare matrix of the chosen model and /results of the chosen cell,
// and renders them with plain DOM calls and Chart.js (global `Chart` from /vendor/chart.js/chart.umd.js).

/** CV above this flags a cell as noisy: NOISY_CV from libs/contracts, as /compare reports it. */
let noisyCv = null;

/** Fixed colour per canonical op class (libs/contracts/src/op-class.ts), so a class keeps its colour across cells. */
const OP_CLASS_COLOURS = {
  conv: '#2456c9',
  depthwise_conv: '#5b8def',
  fully_connected: '#7a4bc2',
  pool: '#00897b',
  elementwise: '#f39c12',
  activation: '#e8590c',
  resize: '#c2185b',
  reshape_transpose: '#8d6e63',
  softmax: '#6d4c41',
  quantize: '#455a64',
  other: '#9aa5b1',
};

const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function api(path) {
  let res;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' } });
  } catch (e) {
    throw new ApiError('API_UNREACHABLE', `cannot reach the API (${e.message})`);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`HTTP_${res.status}`, `${path} answered ${res.status} with a body that is not JSON`);
  }
  if (!res.ok) throw new ApiError(body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? `${path} failed with status ${res.status}`);
  return body;
}

function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  return ms.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}
const formatPercent = (ratio) => `${(ratio * 100).toFixed(1)}%`;

/** Builds an element: el('td', { class: 'x', dataset: { a: '1' } }, 'text', child). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'class') node.className = v;
    else if (k === 'style') Object.assign(node.style, v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

const state = {
  compare: null,
  selectedJobId: null,
  chart: null,
  // Each model or cell switch bumps this, so a slow response for an old choice is ignored.
  generation: 0,
};

function setBusy() {
  document.body.dataset.ready = 'false';
}
function setDone(kind) {
  document.body.dataset.state = kind;
  document.body.dataset.ready = 'true';
}

/** Page-level message: kind is 'error', 'empty' or '' (info). Content may mix text and nodes. */
function showStatus(kind, ...content) {
  const s = $('status');
  s.className = `status ${kind}`;
  s.replaceChildren(...content);
}

function uploadHelp() {
  const origin = location.origin;
  return el(
    'div',
    {},
    el('p', {}, 'Upload an ONNX or TFLite model and benchmark it with the CLI:'),
    el('pre', {}, `farm bench model.onnx model.tflite --api ${origin}`),
    el('p', {}, 'or upload it with the API and queue a benchmark (POST /benchmarks, see ', el('a', { href: '/docs' }, 'API docs'), '):'),
    el('pre', {}, `curl -F file=@model.onnx ${origin}/models`),
  );
}

async function init() {
  $('top-n').addEventListener('change', () => {
    const cell = selectedCell();
    if (cell) selectCell(cell);
  });
  $('model-select').addEventListener('change', (e) => {
    const url = new URL(location.href);
    url.searchParams.set('modelId', e.target.value);
    history.replaceState(null, '', url);
    loadModel(e.target.value);
  });

  if (typeof window.Chart === 'undefined') {
    showStatus('error', 'Chart.js did not load from /vendor/chart.js/chart.umd.js; the per-layer chart cannot be drawn.');
  }

  let models;
  try {
    models = await api('/models');
  } catch (e) {
    showStatus('error', `Could not list models: ${e.code}: ${e.message}`);
    return setDone('error');
  }
  if (models.length === 0) {
    showStatus('empty', el('strong', {}, 'No models yet.'), uploadHelp());
    return setDone('empty');
  }

  const select = $('model-select');
  select.replaceChildren(
    ...models.map((m) => el('option', { value: m.id }, `${m.name} (${m.artifacts.map((a) => a.format).join(', ')})`)),
  );
  select.disabled = false;

  const wanted = new URLSearchParams(location.search).get('modelId');
  if (wanted && !models.some((m) => m.id === wanted)) {
    select.value = '';
    showStatus('error', `No model with id "${wanted}". Pick one of the ${models.length} model(s) above.`);
    return setDone('error');
  }
  const modelId = wanted ?? models[0].id;
  select.value = modelId;
  await loadModel(modelId);
}

async function loadModel(modelId) {
  const generation = ++state.generation;
  setBusy();
  showStatus('', 'Loading…');
  $('matrix-section').hidden = true;
  $('detail').hidden = true;
  let cmp;
  try {
    cmp = await api(`/compare?modelId=${encodeURIComponent(modelId)}`);
    noisyCv = cmp.noisyCv;
    $('noisy-threshold').textContent = formatPercent(noisyCv);
  } catch (e) {
    if (generation !== state.generation) return;
    showStatus('error', `Could not load the comparison: ${e.code}: ${e.message}`);
    return setDone('error');
  }
  if (generation !== state.generation) return;
  state.compare = cmp;
  $('model-meta').textContent = `${cmp.cells.length} result(s) on ${cmp.devices.length} device(s)`;

  if (cmp.cells.length === 0) {
    showStatus(
      'empty',
      el('strong', {}, `No benchmark results for ${cmp.modelName} yet.`),
      el('p', {}, 'Run one with the CLI, then reload this page:'),
      el('pre', {}, `farm bench <the model file> --api ${location.origin}`),
      el('p', {}, 'or POST /benchmarks with {"modelId": "', el('code', {}, modelId), '", "targets": {"platform": "linux"}}.'),
    );
    return setDone('empty');
  }
  showStatus('', '');
  renderMatrix(cmp);
  $('matrix-section').hidden = false;
  const fastest = cmp.cells.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  await selectCell(fastest);
}

function renderMatrix(cmp) {
  const medians = cmp.cells.map((c) => c.medianMs);
  const min = Math.min(...medians);
  const max = Math.max(...medians);
  const byKey = new Map(cmp.cells.map((c) => [`${c.framework}\u0000${c.deviceId}`, c]));

  const head = el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'framework \\ device'), ...cmp.devices.map((d) => el('th', { scope: 'col', dataset: { deviceId: d.id } }, d.name))));
  const body = el(
    'tbody',
    {},
    ...cmp.frameworks.map((fw) =>
      el(
        'tr',
        { dataset: { framework: fw } },
        el('th', { scope: 'row' }, fw),
        ...cmp.devices.map((d) => {
          const c = byKey.get(`${fw}\u0000${d.id}`);
          if (!c) return el('td', { class: 'missing', dataset: { testid: 'cell-missing', framework: fw, device: d.id } }, 'not run');
          return matrixCell(c, min, max);
        }),
      ),
    ),
  );
  $('matrix').replaceChildren(head, body);
}

function heatColour(median, min, max) {
  // Linear in the median between the fastest and slowest cell of this table: green to red through yellow.
  const t = max > min ? (median - min) / (max - min) : 0;
  return `hsl(${Math.round(120 * (1 - t))}, 70%, 82%)`;
}

function matrixCell(c, min, max) {
  const noisy = c.cv > noisyCv;
  const best = c.medianMs === min;
  const td = el(
    'td',
    {
      class: 'cell',
      tabindex: 0,
      title: `${c.framework} ${c.frameworkVersion} on ${c.deviceName}, ${c.format} artifact, ${c.runs} timed runs, measured ${new Date(c.measuredAt).toLocaleString()}`,
      style: { background: heatColour(c.medianMs, min, max) },
      dataset: {
        testid: 'cell',
        framework: c.framework,
        device: c.deviceId,
        jobId: c.jobId,
        medianMs: String(c.medianMs),
        p90Ms: String(c.p90Ms),
        cv: String(c.cv),
        best: String(best),
        noisy: String(noisy),
      },
    },
    el('div', { class: 'median' }, `${formatMs(c.medianMs)} ms`, best ? el('span', { class: 'best-mark', title: 'fastest median in this table' }, ' ★') : null),
    el('div', { class: 'sub' }, `p90 ${formatMs(c.p90Ms)} ms · CV ${formatPercent(c.cv)}`),
    noisy ? el('span', { class: 'noisy-badge', dataset: { testid: 'noisy' }, title: `CV ${formatPercent(c.cv)} is above ${formatPercent(noisyCv)}` }, 'noisy') : null,
    el('div', { class: 'version' }, `${c.format} · ${c.frameworkVersion}`),
  );
  td.addEventListener('click', () => selectCell(c));
  td.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      selectCell(c);
    }
  });
  return td;
}

function selectedCell() {
  return state.compare?.cells.find((c) => c.jobId === state.selectedJobId) ?? null;
}

async function selectCell(cell) {
  const generation = ++state.generation;
  setBusy();
  state.selectedJobId = cell.jobId;
  for (const td of document.querySelectorAll('#matrix td.cell')) td.classList.toggle('selected', td.dataset.jobId === cell.jobId);

  const detail = $('detail');
  detail.hidden = false;
  detail.dataset.jobId = cell.jobId;
  detail.dataset.framework = cell.framework;
  detail.dataset.device = cell.deviceId;
  $('detail-title').textContent = `${cell.framework} ${cell.frameworkVersion} on ${cell.deviceName} (${cell.format})`;
  $('detail-error').hidden = true;
  renderChart(cell);

  let result;
  try {
    result = await api(`/results/${encodeURIComponent(cell.jobId)}`);
  } catch (e) {
    if (generation !== state.generation) return;
    $('detail-stats').replaceChildren(...statsFromCell(cell));
    $('layers').replaceChildren();
    $('detail-error').textContent = `Could not load the per-layer result of job ${cell.jobId}: ${e.code}: ${e.message}`;
    $('detail-error').hidden = false;
    return setDone('ready');
  }
  if (generation !== state.generation) return;
  $('detail-stats').replaceChildren(...statsFromResult(result));
  renderLayers(result);
  setDone('ready');
}

function stat(label, value, testid) {
  return el('div', {}, el('dt', {}, label), el('dd', { dataset: testid ? { testid } : {} }, value));
}

function statsFromCell(c) {
  return [stat('median', `${formatMs(c.medianMs)} ms`), stat('p90', `${formatMs(c.p90Ms)} ms`), stat('CV', formatPercent(c.cv)), stat('timed runs', String(c.runs))];
}

function statsFromResult(r) {
  const s = r.stats;
  const items = [
    stat('median', `${formatMs(s.medianMs)} ms`, 'stat-median'),
    stat('mean', `${formatMs(s.meanMs)} ms`),
    stat('p90', `${formatMs(s.p90Ms)} ms`),
    stat('p99', `${formatMs(s.p99Ms)} ms`),
    stat('min / max', `${formatMs(s.minMs)} / ${formatMs(s.maxMs)} ms`),
    stat('std', `${formatMs(s.stdMs)} ms`),
    stat('CV', formatPercent(s.cv) + (s.cv > noisyCv ? ' (noisy)' : '')),
    stat('timed runs', String(s.runs)),
  ];
  if (r.loadMs !== null && r.loadMs !== undefined) items.push(stat('model load', `${formatMs(r.loadMs)} ms`));
  if (r.firstInferenceMs !== null && r.firstInferenceMs !== undefined) items.push(stat('first inference', `${formatMs(r.firstInferenceMs)} ms`));
  if (r.peakMemoryBytes !== null && r.peakMemoryBytes !== undefined) items.push(stat('peak memory', `${(r.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB`));
  if (r.threads !== null && r.threads !== undefined) items.push(stat('threads', String(r.threads)));
  if (r.profiledRuns !== null && r.profiledRuns !== undefined) items.push(stat('profiled runs', String(r.profiledRuns)));
  return items;
}

function renderChart(cell) {
  const empty = $('chart-empty');
  const wrap = document.querySelector('.chart-wrap');
  const total = cell.opClasses.reduce((sum, o) => sum + o.timeMs, 0);
  if (cell.opClasses.length === 0 || total === 0) {
    empty.textContent = 'No per-layer profile for this result: it was run without profiling runs, or this framework reports no layer timings.';
    empty.hidden = false;
    wrap.hidden = true;
    return;
  }
  empty.hidden = true;
  wrap.hidden = false;
  if (typeof window.Chart === 'undefined') return;

  const labels = cell.opClasses.map((o) => o.opClass);
  const data = cell.opClasses.map((o) => o.timeMs);
  const colours = labels.map((l) => OP_CLASS_COLOURS[l] ?? OP_CLASS_COLOURS.other);
  if (!state.chart) {
    state.chart = new window.Chart($('layer-chart'), {
      type: 'bar',
      data: { labels, datasets: [{ label: 'ms per inference', data, backgroundColor: colours }] },
      options: {
        indexAxis: 'y',
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: (ctx) => {
                const o = selectedCell()?.opClasses[ctx.dataIndex];
                return o ? `${formatMs(o.timeMs)} ms (${formatPercent(o.share)} of profiled time)` : `${formatMs(ctx.parsed.x)} ms`;
              },
            },
          },
        },
        scales: { x: { title: { display: true, text: 'ms per inference' }, beginAtZero: true } },
      },
    });
  } else {
    state.chart.data.labels = labels;
    state.chart.data.datasets[0].data = data;
    state.chart.data.datasets[0].backgroundColor = colours;
    state.chart.update();
  }
}

function renderLayers(result) {
  const n = Number($('top-n').value);
  const layers = [...result.layers].sort((a, b) => b.timeMs - a.timeMs).slice(0, n);
  const table = $('layers');
  if (layers.length === 0) {
    table.replaceChildren(el('tbody', {}, el('tr', {}, el('td', { class: 'muted' }, 'This result has no per-layer timings.'))));
    return;
  }
  const maxShare = layers[0].share || 1;
  table.replaceChildren(
    el('thead', {}, el('tr', {}, el('th', { class: 'num' }, '#'), el('th', {}, 'layer'), el('th', {}, 'op type'), el('th', {}, 'op class'), el('th', { class: 'num' }, 'ms'), el('th', { class: 'num' }, 'share'))),
    el(
      'tbody',
      {},
      ...layers.map((l, i) =>
        el(
          'tr',
          { dataset: { testid: 'layer-row', layerName: l.name, timeMs: String(l.timeMs) } },
          el('td', { class: 'num' }, String(i + 1)),
          el('td', { class: 'name', title: l.name }, l.name),
          el('td', {}, l.opType),
          el('td', {}, el('span', { class: 'swatch', style: { color: OP_CLASS_COLOURS[l.opClass] ?? OP_CLASS_COLOURS.other } }, '■ '), l.opClass),
          el('td', { class: 'num' }, formatMs(l.timeMs)),
          el('td', { class: 'num' }, formatPercent(l.share), el('span', { class: 'share-bar', style: { width: `${Math.max(2, Math.round((l.share / maxShare) * 48))}px` } })),
        ),
      ),
    ),
  );
}

init().catch((e) => {
  showStatus('error', `Unexpected error: ${e.message}`);
  setDone('error');
});
