// One framework across devices (the stable link is ?modelId=&framework=), from GET /compare/layers?framework=:
// each device's median with its interval, the cross-device ratio of every pair of devices with its
// bootstrap interval (or "no detectable difference"), and the aligned layers per device with each
// layer's delta against the first device and its interval.
import { api } from './api.js';
import { $, el, emulatedBadge } from './dom.js';
import { deltaText, formatMs } from './layers.js';

const state = { modelId: null, generation: 0 };

function ready(flag) {
  $('across-section').dataset.ready = String(flag);
}

/** Frameworks with results on at least two devices: only those have something to compare across. */
export function acrossFrameworks(cmp) {
  const devices = new Map();
  for (const c of cmp.cells) devices.set(c.framework, new Set([...(devices.get(c.framework) ?? []), c.deviceId]));
  return [...devices.entries()].filter(([, d]) => d.size >= 2).map(([f]) => f);
}

export async function loadAcrossView(cmp) {
  const section = $('across-section');
  const generation = ++state.generation;
  ready(false);
  state.modelId = cmp.modelId;
  const frameworks = acrossFrameworks(cmp);
  if (frameworks.length === 0) {
    section.hidden = true;
    return ready(true);
  }
  section.hidden = false;
  const wanted = new URLSearchParams(location.search).get('framework');
  const select = $('across-framework');
  select.replaceChildren(...frameworks.map((f) => el('option', { value: f }, f)));
  select.value = frameworks.includes(wanted) ? wanted : frameworks[0];
  select.onchange = () => loadFramework(select.value);
  await loadFramework(select.value, generation);
}

async function loadFramework(framework, generation = ++state.generation) {
  ready(false);
  const q = `modelId=${encodeURIComponent(state.modelId)}&framework=${encodeURIComponent(framework)}`;
  $('across-link').href = `${location.pathname}?${q}#across-section`;
  $('across-csv').href = `/compare/layers/export?${q}&format=csv`;
  $('across-error').hidden = true;
  let data;
  try {
    data = await api(`/compare/layers?${q}`);
  } catch (e) {
    if (generation !== state.generation) return;
    $('across-error').hidden = false;
    $('across-error').textContent = `Could not load ${framework} across devices: ${e.code}: ${e.message}`;
    return ready(true);
  }
  if (generation !== state.generation) return;
  renderDevices(data);
  renderRatios(data);
  renderLayers(data);
  ready(true);
}

function renderDevices(data) {
  $('across-devices').replaceChildren(
    ...data.columns.map((c) =>
      el(
        'li',
        { dataset: { testid: 'across-device', key: c.key } },
        el('strong', {}, c.deviceName),
        c.emulated ? emulatedBadge('measurement') : null,
        `: median ${formatMs(c.medianMs)} ms [${formatMs(c.medianCi.lowMs)}, ${formatMs(c.medianCi.highMs)}]`,
      ),
    ),
  );
}

function renderRatios(data) {
  const items = data.devicePairs.map((p) =>
    el(
      'li',
      { class: `verdict ${p.verdict}`, dataset: { testid: 'across-pair', verdict: p.verdict, a: p.a.jobId, b: p.b.jobId } },
      el(
        'span',
        { dataset: { testid: 'across-ratio' } },
        `${p.a.deviceName} / ${p.b.deviceName} = ${p.ratio.toFixed(2)} [${p.low.toFixed(2)}, ${p.high.toFixed(2)}]`,
      ),
      ': ',
      el('span', { dataset: { testid: 'across-text' } }, p.text),
    ),
  );
  $('across-pairs').replaceChildren(...(items.length ? items : [el('li', { class: 'muted' }, 'no pair of devices with raw latencies to compare')]));
}

/** Layers per device; the delta of each device against the first, with its interval. */
function renderLayers(data) {
  const [first, ...rest] = data.columns;
  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      el('th', {}, 'source node(s)'),
      el('th', {}, 'op'),
      ...data.columns.map((c) => el('th', { class: 'num' }, `${c.deviceName} ${c.layerBasis === 'ms' ? 'ms' : 'share'}`)),
      ...rest.map((c) =>
        el(
          'th',
          { class: 'num', title: 'ratio of per-layer medians with its 95% bootstrap interval from the per-run layer samples' },
          `${c.deviceName} / ${first.deviceName}`,
        ),
      ),
    ),
  );
  const body = el(
    'tbody',
    {},
    ...data.rows.map((r) =>
      el(
        'tr',
        { dataset: { testid: 'across-row', key: r.key } },
        el('td', { class: 'name', title: r.sourceNodes.join('\n') }, r.sourceNodes.map((n) => n.split('/').slice(-2).join('/')).join(' + ')),
        el('td', { class: 'small' }, r.opTypes.join('+')),
        ...data.columns.map((c) => {
          const x = r.cells[c.key];
          return el(
            'td',
            { class: 'num', dataset: { testid: 'across-cell', col: c.key } },
            !x ? '–' : c.layerBasis === 'ms' ? formatMs(x.timeMs) : `${(x.share * 100).toFixed(1)}%`,
          );
        }),
        ...rest.map((c) => {
          const d = r.deltas.find((x) => x.a === first.key && x.b === c.key) ?? null;
          return el('td', { class: 'num', dataset: { testid: 'across-delta', col: c.key, ...(d ? { verdict: d.verdict } : {}) } }, deltaText(d));
        }),
      ),
    ),
  );
  $('across-table').replaceChildren(head, body);
}
