// Dashboard logic: loads models, the /compare matrix of the chosen model and /results of the chosen cell,
// and renders them with plain DOM calls and Chart.js (global `Chart` from /vendor/chart.js/chart.umd.js).
// The devices view lives in devices.js; fetch and DOM helpers in api.js and dom.js.
import { api, apiList } from './api.js';
import { $, el, emulatedBadge, OP_CLASS_COLOURS } from './dom.js';
import { loadDevices } from './devices.js';
import { loadAttention } from './attention.js';
import { loadLayerViews } from './layers.js';
import { loadNightly } from './nightly.js';
import { loadAcrossView } from './across.js';

/** Robust spread (IQR / median) above this flags a cell as noisy: NOISY_SPREAD from libs/contracts, as /compare reports it. */
let noisySpread = null;
const isNoisy = (robustSpread) => robustSpread > noisySpread;

function formatMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  return ms.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}
const formatPercent = (ratio) => `${(ratio * 100).toFixed(1)}%`;
/** "[3.20, 3.41] ms": the median's confidence interval. */
const formatCi = (ci) => `[${formatMs(ci.lowMs)}, ${formatMs(ci.highMs)}] ms`;
const ciTitle = (ci) => `${(ci.level * 100).toFixed(1)}% distribution-free confidence interval of the median (order statistics)`;

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
  // The devices view does not depend on any model; it loads alongside.
  const devicesLoaded = loadDevices();
  const nightlyLoaded = loadNightly();
  const attentionLoaded = loadAttention();
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
    models = await apiList('/models');
  } catch (e) {
    showStatus('error', `Could not list models: ${e.code}: ${e.message}`);
    return setDone('error');
  }
  if (models.length === 0) {
    showStatus('empty', el('strong', {}, 'No models yet.'), uploadHelp());
    return setDone('empty');
  }

  const select = $('model-select');
  select.replaceChildren(...models.map((m) => el('option', { value: m.id }, `${m.name} (${m.artifacts.map((a) => a.format).join(', ')})`)));
  select.disabled = false;

  const wanted = new URLSearchParams(location.search).get('modelId');
  if (wanted && !models.some((m) => m.id === wanted)) {
    select.value = '';
    showStatus('error', `No model with id "${wanted}". Pick one of the ${models.length} model(s) above.`);
    return setDone('error');
  }
  const modelId = wanted ?? models[0].id;
  select.value = modelId;
  state.models = models;
  await loadModel(modelId);
  await devicesLoaded;
  await nightlyLoaded;
  await attentionLoaded;
}

const VERDICT_TEXT = { runnable: 'runs', not_runnable: 'cannot run', unknown: 'unknown' };

/** Beside the model: per artifact, whether each engine can run it (known at upload), the reason on hover. */
function showEngineVerdicts(model) {
  const items = (model?.artifacts ?? []).flatMap((a) =>
    (a.verdicts ?? []).map((v) =>
      el(
        'span',
        {
          class: `engine-verdict ${v.verdict}`,
          'data-framework': v.framework,
          'data-verdict': v.verdict,
          title: [v.basis, ...v.reasons.map((r) => r.why)].join('\n'),
        },
        `${a.format}: ${v.framework} ${VERDICT_TEXT[v.verdict]}`,
      ),
    ),
  );
  $('engine-verdicts').replaceChildren(...items);
}

async function loadModel(modelId) {
  const generation = ++state.generation;
  setBusy();
  showStatus('', 'Loading…');
  $('matrix-section').hidden = true;
  $('verdicts-section').hidden = true;
  showEngineVerdicts(state.models?.find((m) => m.id === modelId));
  $('detail').hidden = true;
  let cmp;
  try {
    cmp = await api(`/compare?modelId=${encodeURIComponent(modelId)}`);
    noisySpread = cmp.noisySpread;
    $('noisy-threshold').textContent = formatPercent(noisySpread);
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
  renderVerdicts(cmp);
  const layersLoaded = Promise.all([loadLayerViews(cmp), loadAcrossView(cmp)]);
  const hardware = cmp.cells.some((c) => !c.emulated) ? cmp.cells.filter((c) => !c.emulated) : cmp.cells;
  const fastest = hardware.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  await selectCell(fastest);
  await layersLoaded;
}

function renderMatrix(cmp) {
  // The colour scale and the fastest mark rank hardware only: an emulated device's time is
  // emulation on the farm's host and must not win, or stretch the scale of, a hardware comparison.
  const ranked = cmp.cells.some((c) => !c.emulated) ? cmp.cells.filter((c) => !c.emulated) : cmp.cells;
  const medians = ranked.map((c) => c.medianMs);
  const min = Math.min(...medians);
  const max = Math.max(...medians);
  const byKey = new Map(cmp.cells.map((c) => [`${c.framework}\u0000${c.deviceId}`, c]));

  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      el('th', { scope: 'col' }, 'framework \\ device'),
      ...cmp.devices.map((d) =>
        el(
          'th',
          { scope: 'col', dataset: { deviceId: d.id, emulated: String(d.emulated) } },
          d.name,
          el('div', { class: 'muted small' }, d.platform),
          d.emulated ? emulatedBadge() : null,
        ),
      ),
    ),
  );
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
  const noisy = isNoisy(c.robustSpread);
  const outliers = c.outliersLow + c.outliersHigh;
  const best = !c.emulated && c.medianMs === min;
  const td = el(
    'td',
    {
      class: c.emulated ? 'cell emulated' : 'cell',
      tabindex: 0,
      title: `${c.framework} ${c.frameworkVersion} on ${c.deviceName}${c.emulated ? ' (emulated device: the timings are emulation)' : ''}, ${c.format} artifact${c.computeUnits ? `, Core ML compute units ${c.computeUnits}` : ''}, ${c.runs} timed runs, measured ${new Date(c.measuredAt).toLocaleString()}${c.layerBasis === 'estimated' ? '; per-layer times estimated' : ''}`,
      style: { background: c.emulated ? 'hsl(0, 0%, 90%)' : heatColour(c.medianMs, min, max) },
      dataset: {
        testid: 'cell',
        framework: c.framework,
        device: c.deviceId,
        jobId: c.jobId,
        medianMs: String(c.medianMs),
        ciLowMs: String(c.medianCi.lowMs),
        ciHighMs: String(c.medianCi.highMs),
        p90Ms: String(c.p90Ms),
        cv: String(c.cv),
        robustSpread: String(c.robustSpread),
        outliers: String(outliers),
        best: String(best),
        noisy: String(noisy),
        emulated: String(c.emulated),
        computeUnits: c.computeUnits ?? '',
        layerBasis: c.layerBasis ?? '',
      },
    },
    el('div', { class: 'median' }, `${formatMs(c.medianMs)} ms`, best ? el('span', { class: 'best-mark', title: 'fastest median in this table' }, ' ★') : null),
    el('div', { class: 'ci', dataset: { testid: 'cell-ci' }, title: ciTitle(c.medianCi) }, formatCi(c.medianCi)),
    el(
      'div',
      { class: 'sub' },
      `p90 ${formatMs(c.p90Ms)} ms · `,
      el('span', { title: 'interquartile range / median' }, `IQR/med ${formatPercent(c.robustSpread)}`),
      ' · ',
      el(
        'span',
        { dataset: { testid: 'cell-outliers' }, title: `runs beyond Tukey fences: ${c.outliersLow} low, ${c.outliersHigh} high (kept in every figure)` },
        `${outliers} outlier${outliers === 1 ? '' : 's'}`,
      ),
    ),
    noisy
      ? el(
          'span',
          { class: 'noisy-badge', dataset: { testid: 'noisy' }, title: `IQR/median ${formatPercent(c.robustSpread)} is above ${formatPercent(noisySpread)}` },
          'noisy',
        )
      : null,
    c.emulated ? emulatedBadge('measurement') : null,
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

/** The pairwise verdicts of /compare, grouped by device, in the order the API gives them. */
function renderVerdicts(cmp) {
  const section = $('verdicts-section');
  if (cmp.pairs.length === 0) {
    section.hidden = true;
    return;
  }
  const groups = cmp.devices
    .map((d) => ({ device: d, pairs: cmp.pairs.filter((p) => p.deviceId === d.id) }))
    .filter((g) => g.pairs.length > 0)
    .map((g) =>
      el(
        'div',
        { class: 'verdict-device', dataset: { device: g.device.id } },
        el('h3', {}, g.device.name, g.device.emulated ? ' ' : null, g.device.emulated ? emulatedBadge() : null),
        el(
          'ul',
          {},
          ...g.pairs.map((p) =>
            el(
              'li',
              {
                class: `verdict ${p.verdict}`,
                title: `ratio of medians ${p.ratio.toFixed(3)}, ${Math.round(p.level * 100)}% bootstrap interval [${p.low.toFixed(3)}, ${p.high.toFixed(3)}] over ${p.resamples} resamples`,
                dataset: { testid: 'verdict', device: p.deviceId, aJobId: p.a.jobId, bJobId: p.b.jobId, verdict: p.verdict },
              },
              p.text,
            ),
          ),
        ),
      ),
    );
  $('verdicts').replaceChildren(...groups);
  section.hidden = false;
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
  $('detail-title').replaceChildren(
    `${cell.framework} ${cell.frameworkVersion} on ${cell.deviceName} (${cell.format})`,
    ...(cell.emulated ? [' ', emulatedBadge(), el('span', { class: 'muted small' }, ' timings are emulation, not phone performance')] : []),
  );
  detail.dataset.emulated = String(cell.emulated);
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
  return [
    stat('median', `${formatMs(c.medianMs)} ms`),
    stat('median 95% CI', formatCi(c.medianCi)),
    stat('p90', `${formatMs(c.p90Ms)} ms`),
    stat('IQR / median', formatPercent(c.robustSpread) + (isNoisy(c.robustSpread) ? ' (noisy)' : '')),
    stat('outliers (low / high)', `${c.outliersLow} / ${c.outliersHigh}`),
    stat('timed runs', String(c.runs)),
  ];
}

function statsFromResult(r) {
  const s = r.stats;
  const items = [
    stat('median', `${formatMs(s.medianMs)} ms`, 'stat-median'),
    stat('median 95% CI', formatCi(s.medianCi), 'stat-ci'),
    stat('mean', `${formatMs(s.meanMs)} ms`),
    stat('p90', `${formatMs(s.p90Ms)} ms`),
    stat('p99', `${formatMs(s.p99Ms)} ms`),
    stat('min / max', `${formatMs(s.minMs)} / ${formatMs(s.maxMs)} ms`),
    stat('std', `${formatMs(s.stdMs)} ms`),
    stat('CV', formatPercent(s.cv)),
    stat('MAD / IQR', `${formatMs(s.madMs)} / ${formatMs(s.iqrMs)} ms`),
    stat('IQR / median', formatPercent(s.robustSpread) + (isNoisy(s.robustSpread) ? ' (noisy)' : ''), 'stat-spread'),
    stat('outliers (low / high)', `${s.outliers.low} / ${s.outliers.high}`, 'stat-outliers'),
    stat('timed runs', String(s.runs)),
  ];
  if (r.layerSum.ratio !== null)
    items.push(stat('layer sum / median', `${r.layerSum.ratio.toFixed(2)}x${r.layerSum.basis === 'ms' ? '' : ` (${r.layerSum.basis})`}`, 'stat-layer-sum'));
  if (r.loadMs !== null && r.loadMs !== undefined) items.push(stat('model load', `${formatMs(r.loadMs)} ms`));
  if (r.firstInferenceMs !== null && r.firstInferenceMs !== undefined) items.push(stat('first inference', `${formatMs(r.firstInferenceMs)} ms`));
  if (r.peakMemoryBytes !== null && r.peakMemoryBytes !== undefined) items.push(stat('peak memory', `${(r.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB`));
  if (r.threads !== null && r.threads !== undefined) items.push(stat('threads', String(r.threads)));
  if (r.profiledRuns !== null && r.profiledRuns !== undefined) items.push(stat('profiled runs', String(r.profiledRuns)));
  // A phone's state around the run (environment.device): temperature before and after, the cooldown wait.
  const dev = r.environment?.device;
  if (dev) {
    const temp = (snap) => (snap?.temperatureC === null || snap?.temperatureC === undefined ? '–' : `${snap.temperatureC.toFixed(1)} °C`);
    items.push(stat('temperature before / after', `${temp(dev.before)} / ${temp(dev.after)}`, 'stat-device-temperature'));
    if (dev.cooldown)
      items.push(stat('cooldown wait', `${(dev.cooldown.waitedMs / 1000).toFixed(1)} s${dev.cooldown.timedOut ? ' (timed out)' : ''}`, 'stat-cooldown'));
  }
  return items;
}

/**
 * Op-class chart: milliseconds when the cell's layer basis is "ms"; estimated milliseconds, labelled
 * so in the caption, axis and tooltips, when it is "estimated" (Core ML's cost shares times the
 * measured median); percent of the profiled time when it is "shares" (the API then gives no
 * milliseconds at all), with the reason underneath.
 */
function renderChart(cell) {
  const empty = $('chart-empty');
  const wrap = document.querySelector('.chart-wrap');
  const estimated = cell.layerBasis === 'estimated';
  const inMs = cell.layerBasis === 'ms' || estimated;
  $('chart-caption').textContent = estimated
    ? 'Estimated time per inference by op class (ms, estimated: cost share x measured median, not measured)'
    : inMs
      ? 'Profiled time per inference by op class (ms)'
      : 'Share of the profiled time by op class (%)';
  $('chart-caption').dataset.basis = cell.layerBasis ?? '';
  showLayerNote(cell.layerBasis, cell.layerNote);
  if (cell.opClasses.length === 0 || cell.opClasses.every((o) => o.share === 0)) {
    empty.textContent = 'No per-layer profile for this result: it was run without profiling runs, or this framework reports no layer timings.';
    empty.hidden = false;
    wrap.hidden = true;
    return;
  }
  empty.hidden = true;
  wrap.hidden = false;
  if (typeof window.Chart === 'undefined') return;

  const labels = cell.opClasses.map((o) => o.opClass);
  const data = cell.opClasses.map((o) => (inMs ? o.timeMs : o.share * 100));
  const colours = labels.map((l) => OP_CLASS_COLOURS[l] ?? OP_CLASS_COLOURS.other);
  const unit = estimated ? 'estimated ms per inference' : inMs ? 'ms per inference' : '% of profiled time';
  if (!state.chart) {
    state.chart = new window.Chart($('layer-chart'), {
      type: 'bar',
      data: { labels, datasets: [{ label: unit, data, backgroundColor: colours }] },
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
                if (!o) return String(ctx.parsed.x);
                if (o.timeMs === null) return `${formatPercent(o.share)} of profiled time`;
                const est = selectedCell()?.layerBasis === 'estimated' ? ' estimated' : '';
                return `${formatMs(o.timeMs)} ms${est} (${formatPercent(o.share)} of profiled time)`;
              },
            },
          },
        },
        scales: { x: { title: { display: true, text: unit }, beginAtZero: true } },
      },
    });
  } else {
    state.chart.data.labels = labels;
    state.chart.data.datasets[0].data = data;
    state.chart.data.datasets[0].label = unit;
    state.chart.data.datasets[0].backgroundColor = colours;
    state.chart.options.scales.x.title.text = unit;
    state.chart.update();
  }
}

/** Why layer times are shown as shares (or the runner's remark on its ms); hidden when there is nothing to say. */
function showLayerNote(basis, note) {
  const p = $('layer-note');
  p.dataset.basis = basis ?? '';
  if (basis === 'shares') p.textContent = `Shares, not ms: ${(note ?? 'the per-layer sum does not match the end-to-end time').replace(/\.$/, '')}.`;
  else if (basis === 'estimated')
    p.textContent = `Estimated, not measured: ${(note ?? 'per-layer times from the model’s estimated cost shares').replace(/\.$/, '')}.`;
  else p.textContent = note ?? '';
  p.hidden = p.textContent === '';
}

/** Slowest layers of /results; the ms column when the result's layer basis is "ms", headed "estimated ms" when "estimated". */
function renderLayers(result) {
  const n = Number($('top-n').value);
  const inMs = result.layerSum.basis === 'ms' || result.layerSum.basis === 'estimated';
  const layers = [...result.layers].sort((a, b) => b.share - a.share).slice(0, n);
  const table = $('layers');
  table.dataset.basis = result.layerSum.basis ?? '';
  if (layers.length === 0) {
    table.replaceChildren(el('tbody', {}, el('tr', {}, el('td', { class: 'muted' }, 'This result has no per-layer timings.'))));
    return;
  }
  const maxShare = layers[0].share || 1;
  table.replaceChildren(
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { class: 'num' }, '#'),
        el('th', {}, 'layer'),
        el('th', {}, 'op type'),
        el('th', {}, 'op class'),
        inMs ? el('th', { class: 'num' }, result.layerSum.basis === 'estimated' ? 'estimated ms' : 'ms') : null,
        el('th', { class: 'num' }, 'share'),
      ),
    ),
    el(
      'tbody',
      {},
      ...layers.map((l, i) =>
        el(
          'tr',
          { dataset: { testid: 'layer-row', layerName: l.name, share: String(l.share), ...(inMs ? { timeMs: String(l.timeMs) } : {}) } },
          el('td', { class: 'num' }, String(i + 1)),
          el('td', { class: 'name', title: l.name }, l.name),
          el('td', {}, l.opType),
          el('td', {}, el('span', { class: 'swatch', style: { color: OP_CLASS_COLOURS[l.opClass] ?? OP_CLASS_COLOURS.other } }, '■ '), l.opClass),
          inMs ? el('td', { class: 'num' }, formatMs(l.timeMs)) : null,
          el(
            'td',
            { class: 'num' },
            formatPercent(l.share),
            el('span', { class: 'share-bar', style: { width: `${Math.max(2, Math.round((l.share / maxShare) * 48))}px` } }),
          ),
        ),
      ),
    ),
  );
}

init().catch((e) => {
  showStatus('error', `Unexpected error: ${e.message}`);
  setDone('error');
});
