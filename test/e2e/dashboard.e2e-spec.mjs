// End-to-end test of the dashboard (apps/web/public) in Debian Chromium against a running farm API:
// the matrix shows every /compare cell with the API's medians and their confidence intervals, noisy
// flags follow the robust spread, the verdicts are /compare's pairs, the op-class chart is drawn
// from the selected cell (ms only when its layer basis is ms), and clicking another cell redraws it;
// emulated devices' cells are labelled, and the devices view shows every device's state, with a badge
// on emulated ones. Plain ESM so it runs without a build:
//   FARM_API_URL=http://localhost:3000 [FARM_API_KEY=<key>] [FARM_MODEL_ID=<uuid>] [FARM_EXPECT_PHONES=1] bash scripts/jest.sh --selectProjects dashboard
// With FARM_API_KEY the page is opened as `npm run farm` prints it (#key=… in the fragment), and the
// test checks the dashboard moved the key to sessionStorage and out of the address bar.
// Without FARM_MODEL_ID the first model of GET /models is used. FARM_EXPECT_PHONES=1 requires an
// emulated and an unauthorized device in /devices (the farm e2e test registers them); without it a
// farm that has none says SKIPPED for those checks. A screenshot goes to test/e2e/artifacts/.
import { test, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const apiUrl = process.env.FARM_API_URL?.replace(/\/+$/, '');
const apiKey = process.env.FARM_API_KEY;
let browser;
let page;
let compare;
let devices;
const pageErrors = [];
const expectPhones = process.env.FARM_EXPECT_PHONES === '1';

async function getJson(path) {
  const res = await fetch(`${apiUrl}${path}`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const body = JSON.parse(await res.text()); // not res.json(): its objects would be the host realm's (see test/fixtures/stack.ts)
  assert.ok(res.ok, `GET ${path} -> ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Labels and values of the Chart.js instance on the layer chart canvas, plus how many pixels are painted. */
function readChart() {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="layer-chart"]');
    const chart = window.Chart?.getChart(canvas);
    if (!chart) return null;
    const { width, height } = canvas;
    const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
    return { labels: [...chart.data.labels], data: [...chart.data.datasets[0].data], painted, width, height };
  });
}

/** The chart plots ms only for a cell whose layer basis is "ms"; otherwise percent of the profiled time (the API gives no ms then). */
async function assertChartShows(chart, cell) {
  assert.ok(chart, 'no Chart.js instance on [data-testid="layer-chart"]');
  assert.ok(chart.data.length > 0, 'chart dataset is empty');
  assert.deepEqual(
    chart.labels,
    cell.opClasses.map((o) => o.opClass),
    `chart labels differ from the op classes of ${cell.framework} on ${cell.deviceName}`,
  );
  const inMs = cell.layerBasis === 'ms';
  if (!inMs)
    assert.ok(
      cell.opClasses.every((o) => o.timeMs === null),
      `${cell.framework}: /compare gives op-class ms for a cell whose basis is ${cell.layerBasis}`,
    );
  assert.deepEqual(
    chart.data,
    cell.opClasses.map((o) => (inMs ? o.timeMs : o.share * 100)),
    `chart values differ from the op classes of ${cell.framework} on ${cell.deviceName} (basis ${cell.layerBasis})`,
  );
  assert.match(await page.textContent('[data-testid="chart-caption"]'), inMs ? /\(ms\)/ : /Share/);
  const note = await page.$('[data-testid="layer-note"]:not([hidden])');
  if (!inMs) assert.ok(note && (await note.textContent()).includes(cell.layerNote), 'a shares cell shows why');
  // A drawn bar chart paints axes, labels and bars: far more than a few stray pixels.
  assert.ok(chart.painted > 0.01 * chart.width * chart.height, `chart canvas looks blank (${chart.painted} painted pixels of ${chart.width}x${chart.height})`);
}

/** The dashboard's millisecond format (about three significant digits), to check the text it shows. */
function formatMs(ms) {
  const abs = Math.abs(ms);
  return ms.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}

async function waitReady(extra = '') {
  await page.waitForSelector(`body[data-ready="true"]${extra}`, { timeout: 30_000 });
  const state = await page.getAttribute('body', 'data-state');
  if (state !== 'ready') {
    const status = await page.textContent('[data-testid="status"]');
    assert.fail(`dashboard rendered state "${state}" instead of data: ${status?.trim()}`);
  }
}

beforeAll(async () => {
  assert.ok(
    apiUrl,
    'FARM_API_URL is not set: run this test through the e2e script that starts the stack, or set FARM_API_URL to a running farm API (e.g. http://localhost:3000)',
  );
  const modelId = process.env.FARM_MODEL_ID ?? (await getJson('/models')).items[0]?.id;
  assert.ok(modelId, `no FARM_MODEL_ID given and ${apiUrl}/models is empty: upload and benchmark a model first`);
  compare = await getJson(`/compare?modelId=${encodeURIComponent(modelId)}`);
  assert.ok(compare.cells.length > 0, `model ${modelId} has no results in /compare: benchmark it first`);
  devices = (await getJson('/devices?limit=1000')).items;

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${apiUrl}/?modelId=${encodeURIComponent(modelId)}${apiKey ? `#key=${encodeURIComponent(apiKey)}` : ''}`);
  await waitReady();
  await page.waitForSelector('[data-testid="devices-section"][data-ready="true"]', { timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
});

test('a key given in the URL fragment is kept in sessionStorage and removed from the address bar', async () => {
  if (!apiKey) return console.warn('SKIPPED (no FARM_API_KEY): the dashboard was opened without a key');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('farm.apiKey')), apiKey);
  assert.doesNotMatch(page.url(), /key=/);
  assert.match(page.url(), /\?modelId=/);
});

test('beside the model, each artifact’s engine verdicts are the API’s (known at upload)', async () => {
  const model = await getJson(`/models/${encodeURIComponent(compare.modelId)}`);
  const expected = model.artifacts.flatMap((a) => a.verdicts.map((v) => `${v.framework}=${v.verdict}`)).sort();
  const shown = await page.$$eval('[data-testid="engine-verdicts"] .engine-verdict', (els) => els.map((e) => `${e.dataset.framework}=${e.dataset.verdict}`));
  assert.ok(expected.length > 0, 'the sample model has verdicts');
  assert.deepEqual(shown.sort(), expected);
});

test('the matrix has one cell per (framework, device) of /compare, with the API medians', async () => {
  const shown = await page.$$eval('[data-testid="matrix"] td[data-testid="cell"]', (tds) =>
    tds.map((td) => ({ framework: td.dataset.framework, device: td.dataset.device, medianMs: Number(td.dataset.medianMs), text: td.textContent })),
  );
  const expected = compare.cells.map((c) => ({ framework: c.framework, device: c.deviceId, medianMs: c.medianMs }));
  const key = (c) => `${c.framework}|${c.device}`;
  assert.deepEqual(shown.map(key).sort(), expected.map(key).sort());
  for (const e of expected) {
    const s = shown.find((x) => key(x) === key(e));
    assert.equal(s.medianMs, e.medianMs, `median of ${key(e)}`);
  }
  // Emulated devices never take the mark: their times are emulation.
  const best = compare.cells.filter((c) => !c.emulated).reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  const bestShown = await page.$$eval('td[data-testid="cell"][data-best="true"]', (tds) => tds.map((td) => td.dataset.jobId));
  assert.deepEqual(bestShown, [best.jobId], 'exactly the fastest cell is marked best');
  assert.deepEqual(pageErrors, []);
});

test('each cell shows its median CI, robust spread and outliers; noisy is flagged on IQR/median, not CV', async () => {
  const shown = await page.$$eval('[data-testid="matrix"] td[data-testid="cell"]', (tds) =>
    tds.map((td) => ({
      jobId: td.dataset.jobId,
      ciLowMs: Number(td.dataset.ciLowMs),
      ciHighMs: Number(td.dataset.ciHighMs),
      robustSpread: Number(td.dataset.robustSpread),
      ci: td.querySelector('[data-testid="cell-ci"]')?.textContent,
      outliers: td.querySelector('[data-testid="cell-outliers"]')?.textContent,
      noisy: td.querySelector('[data-testid="noisy"]') !== null,
    })),
  );
  assert.equal(typeof compare.noisySpread, 'number');
  for (const c of compare.cells) {
    const s = shown.find((x) => x.jobId === c.jobId);
    assert.ok(s, `no cell for job ${c.jobId}`);
    assert.ok(c.medianCi.lowMs <= c.medianMs && c.medianMs <= c.medianCi.highMs, `${c.framework}: median outside its CI in /compare`);
    assert.equal(s.ciLowMs, c.medianCi.lowMs);
    assert.equal(s.ciHighMs, c.medianCi.highMs);
    assert.equal(s.ci, `[${formatMs(c.medianCi.lowMs)}, ${formatMs(c.medianCi.highMs)}] ms`);
    assert.equal(s.robustSpread, c.robustSpread);
    assert.match(s.outliers, new RegExp(`^${c.outliersLow + c.outliersHigh} outliers?$`));
    assert.equal(s.noisy, c.robustSpread > compare.noisySpread, `${c.framework} on ${c.deviceName}: IQR/median ${c.robustSpread} vs ${compare.noisySpread}`);
  }
  assert.equal(await page.textContent('#noisy-threshold'), `${(compare.noisySpread * 100).toFixed(1)}%`);
});

test('the verdicts section lists exactly the pairs of /compare, per device, with their sentences', async () => {
  const shown = await page.$$eval('[data-testid="verdict"]', (lis) =>
    lis.map((li) => ({
      device: li.dataset.device,
      a: li.dataset.aJobId,
      b: li.dataset.bJobId,
      verdict: li.dataset.verdict,
      text: li.textContent,
      group: li.closest('[data-device]')?.dataset.device,
    })),
  );
  const expected = compare.pairs.map((p) => ({ device: p.deviceId, a: p.a.jobId, b: p.b.jobId, verdict: p.verdict, text: p.text, group: p.deviceId }));
  const key = (v) => `${v.device}|${v.a}|${v.b}`;
  assert.deepEqual(shown.map(key).sort(), expected.map(key).sort());
  for (const e of expected)
    assert.deepEqual(
      shown.find((v) => key(v) === key(e)),
      e,
    );
  // Every pair of cells on a device has a verdict.
  const perDevice = new Map();
  for (const c of compare.cells) perDevice.set(c.deviceId, (perDevice.get(c.deviceId) ?? 0) + 1);
  assert.equal(
    compare.pairs.length,
    [...perDevice.values()].reduce((s, n) => s + (n * (n - 1)) / 2, 0),
  );
  assert.equal(await page.isVisible('[data-testid="verdicts-section"]'), compare.pairs.length > 0);
});

test('the chart shows the op classes of the default (fastest) cell and the slowest layers come from /results', async () => {
  const best = compare.cells.filter((c) => !c.emulated).reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  assert.equal(await page.getAttribute('[data-testid="detail"]', 'data-job-id'), best.jobId);
  if (best.opClasses.length > 0) await assertChartShows(await readChart(), best);

  const result = await getJson(`/results/${best.jobId}`);
  assert.equal(result.layerSum.basis, best.layerBasis);
  const inMs = result.layerSum.basis === 'ms';
  const rows = await page.$$eval('[data-testid="layer-row"]', (trs) =>
    trs.map((tr) => ({
      name: tr.dataset.layerName,
      share: Number(tr.dataset.share),
      timeMs: tr.dataset.timeMs === undefined ? null : Number(tr.dataset.timeMs),
    })),
  );
  const slowest = [...result.layers].sort((a, b) => b.share - a.share).slice(0, 10);
  assert.deepEqual(
    rows,
    slowest.map((l) => ({ name: l.name, share: l.share, timeMs: inMs ? l.timeMs : null })),
    'layer ms shown only when the basis is ms',
  );
  const headers = await page.$$eval('[data-testid="layers"] thead th', (ths) => ths.map((th) => th.textContent));
  assert.equal(headers.includes('ms'), inMs);
  // The detail's statistics come from /results: the CI, the robust spread (noisy on the same rule) and the outliers.
  const ci = await page.textContent('[data-testid="stat-ci"]');
  assert.equal(ci, `[${formatMs(result.stats.medianCi.lowMs)}, ${formatMs(result.stats.medianCi.highMs)}] ms`);
  assert.equal((await page.textContent('[data-testid="stat-spread"]')).endsWith('(noisy)'), result.stats.robustSpread > compare.noisySpread);
  assert.equal(await page.textContent('[data-testid="stat-outliers"]'), `${result.stats.outliers.low} / ${result.stats.outliers.high}`);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
});

test("clicking another cell redraws the chart with that cell's op classes", async () => {
  const current = await page.getAttribute('[data-testid="detail"]', 'data-job-id');
  const other = compare.cells.find((c) => c.jobId !== current && c.opClasses.some((o) => o.share > 0));
  // Which cells exist is only known once /compare is read, and jest has no skip from inside a test: say so loudly.
  if (!other) return console.warn('SKIPPED (nothing to click): the model has only one cell with a layer profile');
  await page.click(`td[data-testid="cell"][data-job-id="${other.jobId}"]`);
  await page.waitForSelector(`[data-testid="detail"][data-job-id="${other.jobId}"]`);
  await waitReady();
  await assertChartShows(await readChart(), other);
  const classes = (await page.getAttribute(`td[data-testid="cell"][data-job-id="${other.jobId}"]`, 'class')).split(' ').sort();
  assert.deepEqual(classes, other.emulated ? ['cell', 'emulated', 'selected'] : ['cell', 'selected']);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-other-cell.png'), fullPage: true });
  assert.deepEqual(pageErrors, []);
});

test('cells and device columns of emulated devices carry a visible "emulated" label, and only those', async () => {
  const shown = await page.$$eval('[data-testid="matrix"] td[data-testid="cell"]', (tds) =>
    tds.map((td) => ({ jobId: td.dataset.jobId, emulated: td.dataset.emulated, label: td.querySelector('[data-testid="emulated"]')?.textContent ?? null })),
  );
  for (const c of compare.cells) {
    const s = shown.find((x) => x.jobId === c.jobId);
    assert.equal(s.emulated, String(c.emulated), `${c.framework} on ${c.deviceName}`);
    assert.equal(s.label, c.emulated ? 'emulated' : null, `${c.framework} on ${c.deviceName}: label`);
  }
  for (const d of compare.devices) {
    const badge = await page.$(`[data-testid="matrix"] th[data-device-id="${d.id}"] [data-testid="emulated"]`);
    assert.equal(badge !== null, d.emulated, `column of ${d.name}`);
  }
  if (!compare.cells.some((c) => c.emulated)) {
    assert.ok(!expectPhones, 'FARM_EXPECT_PHONES=1 but the model has no result from an emulated device');
    console.warn('SKIPPED (nothing to look at): the model has no result from an emulated device');
  }
});

test('the devices view lists every device with its state; an emulated device is badged, an unauthorized one shows so', async () => {
  const rows = await page.$$eval('[data-testid="device-row"]', (trs) =>
    trs.map((tr) => ({
      id: tr.dataset.deviceId,
      status: tr.dataset.status,
      state: tr.querySelector('[data-testid="device-state"]')?.textContent,
      badge: tr.querySelector('[data-testid="emulated"]')?.textContent ?? null,
      temperature: tr.querySelector('[data-testid="device-temperature"]')?.textContent,
      visible: tr.getClientRects().length > 0,
    })),
  );
  assert.deepEqual(rows.map((r) => r.id).sort(), devices.map((d) => d.id).sort());
  // Statuses may move between the two reads (a job starts): compare against a fresh list when they differ.
  const fresh = new Map((await getJson('/devices?limit=1000')).items.map((d) => [d.id, d]));
  for (const d of devices) {
    const r = rows.find((x) => x.id === d.id);
    const statuses = [d.status, fresh.get(d.id)?.status];
    assert.ok(statuses.includes(r.status) && r.state === r.status, `${d.name}: shows "${r.state}", API says ${statuses.join(' / ')}`);
    assert.equal(r.badge, d.emulated ? 'emulated' : null, `${d.name}: emulated badge`);
    assert.equal(r.temperature, d.lastTemperatureC === null ? '–' : `${d.lastTemperatureC.toFixed(1)} °C`);
    assert.ok(r.visible, `${d.name}: row not visible`);
  }
  const emulated = devices.find((d) => d.emulated);
  const unauthorized = devices.find((d) => d.status === 'unauthorized');
  if (expectPhones) {
    assert.ok(emulated, 'FARM_EXPECT_PHONES=1 but /devices has no emulated device');
    assert.ok(unauthorized, 'FARM_EXPECT_PHONES=1 but /devices has no unauthorized device');
  }
  if (emulated) assert.equal(await page.isVisible(`[data-testid="device-row"][data-device-id="${emulated.id}"] [data-testid="emulated"]`), true);
  else console.warn('SKIPPED (nothing to look at): no emulated device in /devices');
  if (unauthorized) {
    const state = `[data-testid="device-row"][data-device-id="${unauthorized.id}"] [data-testid="device-state"]`;
    assert.equal(await page.textContent(state), 'unauthorized');
    assert.match(await page.getAttribute(state, 'title'), /USB debugging key/);
  } else console.warn('SKIPPED (nothing to look at): no unauthorized device in /devices');
  await page.locator('[data-testid="devices-section"]').screenshot({ path: join(ARTIFACTS, 'dashboard-devices.png') });
  assert.deepEqual(pageErrors, []);
});

// ---- Layers side by side (layers.js): every figure on screen is read back and checked against the API. ----

const pct = (x) => `${(x * 100).toFixed(1)}%`;
/** Where the comparison screenshots go: docs/screenshots when the README's images are being made, else the artifacts folder. */
const SHOTS = process.env.FARM_DOCS_SCREENSHOTS === '1' ? join(dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots') : ARTIFACTS;

async function layerViews() {
  await page.waitForSelector('[data-testid="layers-section"][data-ready="true"]', { timeout: 60_000 });
  const deviceId = await page.inputValue('[data-testid="layers-device"]');
  const q = `modelId=${encodeURIComponent(compare.modelId)}&deviceId=${encodeURIComponent(deviceId)}`;
  return { deviceId, layers: await getJson(`/compare/layers?${q}`), advice: await getJson(`/compare/advice?${q}`) };
}

test('jobs needing attention: one row per job of /jobs/attention, each with its status and reason', async () => {
  await page.waitForSelector('[data-testid="attention-section"][data-ready="true"]', { timeout: 30_000 });
  const { jobs } = await getJson('/jobs/attention');
  const rows = await page.$$eval('[data-testid="attention-row"]', (trs) =>
    trs.map((tr) => ({ id: tr.dataset.jobId, status: tr.dataset.status, reason: tr.querySelector('[data-testid="attention-reason"]')?.textContent ?? '' })),
  );
  // The list may have grown between the page's read and this one (a job failed meanwhile): every row shown is in it.
  for (const r of rows) {
    const j = jobs.find((x) => x.id === r.id);
    assert.ok(j, `row ${r.id} is not in /jobs/attention`);
    const code = j.status === 'failed' && j.error ? j.error.code : (j.waiting?.reason ?? j.error?.code);
    assert.ok(r.reason.startsWith(code), `${r.id}: reason "${r.reason}" does not start with ${code}`);
  }
  if (rows.length === 0) assert.equal(await page.textContent('[data-testid="attention-status"]'), 'No failed or stuck jobs.');
  assert.deepEqual(pageErrors, []);
});

test('layers side by side: each cell shows the figure /compare/layers gives, groups and low-confidence rows are marked, coverage is stated', async () => {
  const { layers } = await layerViews();
  assert.ok(layers.rows.length > 0, 'no aligned rows');
  const shown = await page.$$eval('[data-testid="layer-compare-row"]', (trs) =>
    trs.map((tr) => ({
      key: tr.dataset.key,
      group: tr.dataset.group,
      low: tr.querySelector('[data-testid="low-confidence"]') !== null,
      cells: [...tr.querySelectorAll('[data-testid="layer-cell"]')].map((td) => ({ col: td.dataset.col, text: td.textContent })),
    })),
  );
  assert.deepEqual(
    shown.map((r) => r.key),
    layers.rows.map((r) => r.key),
    'rows in source graph order',
  );
  for (const r of layers.rows) {
    const s = shown.find((x) => x.key === r.key);
    assert.equal(s.group, String(r.group), `${r.key}: group`);
    assert.equal(s.low, r.lowConfidence, `${r.key}: low-confidence badge`);
    for (const c of layers.columns) {
      const cell = r.cells[c.key];
      const text = s.cells.find((x) => x.col === c.key).text;
      const expected = cell === null ? '–' : c.layerBasis === 'ms' ? formatMs(cell.timeMs) : pct(cell.share);
      assert.equal(text, expected, `${r.key} under ${c.framework}`);
    }
  }
  const coverage = await page.$$eval('[data-testid="coverage"]', (lis) => lis.map((li) => ({ key: li.dataset.key, text: li.textContent })));
  for (const c of layers.columns)
    assert.ok(coverage.find((x) => x.key === c.key).text.includes(`${pct(c.matchedShare)} of ${formatMs(c.profiledMs)} ms profiled`), c.framework);
  const pairs = await page.$$eval('[data-testid="layers-pair"]', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(
    pairs,
    layers.pairs.map((p) => p.text),
  );
  assert.deepEqual(pageErrors, []);
});

test('sorting by a column orders rows by its share; the delta column is the ratio of the two chosen columns', async () => {
  const { layers } = await layerViews();
  const col = layers.columns[0];
  await page.click(`[data-testid="sort"][data-sort="${col.key}"]`);
  const keys = await page.$$eval('[data-testid="layer-compare-row"]', (trs) => trs.map((tr) => tr.dataset.key));
  const byShare = [...layers.rows].sort((a, b) => (b.cells[col.key]?.share ?? -Infinity) - (a.cells[col.key]?.share ?? -Infinity));
  assert.equal(keys[0], byShare[0].key, `largest ${col.framework} share first`);
  if (layers.columns.length < 2) return console.warn('SKIPPED (one column): no delta to check');
  const [a, b] = [layers.columns[0], layers.columns[1]];
  const deltas = await page.$$eval('[data-testid="layer-compare-row"]', (trs) =>
    trs.map((tr) => ({ key: tr.dataset.key, text: tr.querySelector('[data-testid="layer-delta"]').textContent })),
  );
  const verdicts = new Set();
  for (const d of deltas) {
    const r = layers.rows.find((x) => x.key === d.key);
    // The default pickers are B = the second column over A = the first, the API's own orientation.
    const x = r.deltas.find((y) => y.a === a.key && y.b === b.key);
    if (!x) {
      assert.equal(d.text, '–', `delta of ${d.key}`);
      continue;
    }
    verdicts.add(x.verdict);
    if (x.ratio === null) continue;
    const point = `${x.ratio.toFixed(2)}×`;
    if (x.verdict === 'unknown') assert.equal(d.text, `${point} (no interval)`, `delta of ${d.key}`);
    else {
      assert.ok(x.differenceLow <= x.difference && x.difference <= x.differenceHigh, `${d.key}: the difference sits in its interval`);
      const interval = `[${x.ratioLow.toFixed(2)}, ${x.ratioHigh.toFixed(2)}]`;
      assert.equal(d.text, x.verdict === 'same' ? `no detectable difference (${point} ${interval})` : `${point} ${interval}`, `delta of ${d.key}`);
    }
  }
  // ORT, OpenCV and int8 runners send per-run layer times: a pair of them has intervals, not only "no interval".
  if (layers.columns.slice(0, 2).every((c) => ['onnxruntime', 'opencv-dnn', 'onnxruntime (int8)', 'native-int8'].includes(c.framework)))
    assert.ok(
      [...verdicts].some((v) => v !== 'unknown'),
      `verdicts: ${[...verdicts]}`,
    );
  console.log(`layer delta verdicts of ${b.framework} / ${a.framework}: ${[...verdicts].join(', ')}`);
  await page.click('[data-testid="sort"][data-sort="order"]');
  mkdirSync(SHOTS, { recursive: true });
  await page.locator('[data-testid="layer-table"]').screenshot({ path: join(SHOTS, 'compare-layer-table.png') });
});

test('op-class bars, latency distributions (outliers marked) and load / first inference agree with the API', async () => {
  const { layers } = await layerViews();
  const bars = await page.$$eval('[data-testid="opbar"]', (ds) =>
    ds.map((d) => ({ op: d.closest('[data-op-class]').dataset.opClass, col: d.dataset.col, text: d.querySelector('.opbar-value').textContent })),
  );
  for (const o of layers.opClasses)
    for (const c of layers.columns)
      assert.equal(bars.find((b) => b.op === o.opClass && b.col === c.key).text, pct(o.cells[c.key]?.share ?? 0), `${o.opClass} ${c.framework}`);
  for (const c of layers.columns) {
    const r = await getJson(`/results/${c.key}`);
    const row = `[data-testid="distribution"][data-key="${c.key}"]`;
    assert.equal(await page.textContent(`${row} [data-testid="dist-median"]`), `${formatMs(r.stats.medianMs)} ms`);
    assert.equal(await page.textContent(`${row} [data-testid="dist-first"]`), `${formatMs(r.firstInferenceMs)} ms`);
    assert.equal(await page.textContent(`${row} [data-testid="dist-load"]`), `${formatMs(r.loadMs)} ms`);
    const outliers = r.stats.outliers.low + r.stats.outliers.high;
    assert.equal(await page.textContent(`${row} [data-testid="dist-outliers"]`), String(outliers));
    assert.equal((await page.$$(`${row} [data-testid="outlier"]`)).length, outliers, `${c.framework}: one dot per outlier run`);
  }
  mkdirSync(SHOTS, { recursive: true });
  await page.locator('.views-grid').screenshot({ path: join(SHOTS, 'compare-opclass-distributions.png') });
});

test('fp32 vs int8 shows the verdict with its interval and the agreement figures; the advice lists the API items with their measured shares', async () => {
  const { layers, advice } = await layerViews();
  for (const q of layers.columns.filter((c) => c.variant !== 'original')) {
    const item = `[data-testid="int8-pair"][data-key="${q.key}"]`;
    const f = layers.columns.find((c) => c.variant === 'original' && c.framework === q.framework.replace(/ \(int8\)$/, ''));
    if (f) {
      const pair = layers.pairs.find((p) => [p.a.jobId, p.b.jobId].sort().join() === [q.key, f.key].sort().join());
      assert.equal(await page.textContent(`${item} [data-testid="int8-verdict"]`), pair.text);
    }
    if (q.agreement) assert.match(await page.textContent(`${item} [data-testid="int8-agreement"]`), new RegExp(`cosine ${q.agreement.cosine.toFixed(4)}`));
  }
  const items = await page.$$eval('[data-testid="advice-item"]', (lis) =>
    lis.map((li) => ({
      rule: li.dataset.rule,
      title: li.querySelector('.advice-title').textContent,
      gain: li.querySelector('[data-testid="advice-gain"]').textContent,
      evidence: [...li.querySelectorAll('[data-testid="evidence"]')].map((e) => e.textContent),
    })),
  );
  assert.equal(items.length, advice.items.length);
  advice.items.forEach((a, i) => {
    assert.equal(items[i].rule, a.rule);
    assert.ok(items[i].title.endsWith(a.title), `advice ${i}: ${items[i].title}`);
    assert.equal(items[i].gain, `Expected gain: ${a.expectedGain}`);
    assert.deepEqual(
      items[i].evidence.map((t) => t.split(' ').find((w) => w.endsWith('%'))),
      a.evidence.map((e) => pct(e.share)),
    );
  });
  mkdirSync(SHOTS, { recursive: true });
  await page.locator('[data-testid="layers-section"]').screenshot({ path: join(SHOTS, 'compare-views.png') });
  assert.deepEqual(pageErrors, []);
});

// ---- One framework across devices (across.js): medians, cross-device ratios and layer deltas read back against the API. ----

test('one framework across devices: each device median, the cross-device ratio with its interval, and layer deltas show the API figures', async () => {
  await page.waitForSelector('[data-testid="across-section"][data-ready="true"]', { state: 'attached', timeout: 60_000 });
  if (await page.isHidden('[data-testid="across-section"]')) {
    // FARM_EXPECT_ACROSS=1 (the compare-views test runs a second device) makes a missing view a failure, not a skip.
    assert.notEqual(process.env.FARM_EXPECT_ACROSS, '1', 'FARM_EXPECT_ACROSS=1 but no framework has results on two devices');
    return console.warn('SKIPPED (nothing to look at): no framework has results on two devices');
  }
  const framework = await page.inputValue('[data-testid="across-framework"]');
  const view = await getJson(`/compare/layers?modelId=${encodeURIComponent(compare.modelId)}&framework=${encodeURIComponent(framework)}`);
  assert.ok(view.columns.length >= 2);
  const devicesShown = await page.$$eval('[data-testid="across-device"]', (lis) => lis.map((li) => ({ key: li.dataset.key, text: li.textContent })));
  for (const c of view.columns) {
    const s = devicesShown.find((x) => x.key === c.key);
    assert.ok(
      s?.text.includes(`median ${formatMs(c.medianMs)} ms [${formatMs(c.medianCi.lowMs)}, ${formatMs(c.medianCi.highMs)}]`),
      `${c.deviceName}: ${s?.text}`,
    );
  }
  const ratios = await page.$$eval('[data-testid="across-pair"]', (lis) =>
    lis.map((li) => ({
      a: li.dataset.a,
      b: li.dataset.b,
      ratio: li.querySelector('[data-testid="across-ratio"]').textContent,
      text: li.querySelector('[data-testid="across-text"]').textContent,
    })),
  );
  assert.equal(ratios.length, view.devicePairs.length);
  assert.ok(view.devicePairs.length >= 1);
  for (const p of view.devicePairs) {
    const s = ratios.find((x) => x.a === p.a.jobId && x.b === p.b.jobId);
    assert.equal(s.ratio, `${p.a.deviceName} / ${p.b.deviceName} = ${p.ratio.toFixed(2)} [${p.low.toFixed(2)}, ${p.high.toFixed(2)}]`);
    assert.equal(s.text, p.text);
    assert.ok(p.low <= p.ratio && p.ratio <= p.high);
  }
  // Layer deltas: each device against the first, as the API computed them.
  const [first, second] = view.columns;
  const shown = await page.$$eval('[data-testid="across-row"]', (trs) =>
    trs.map((tr) => ({
      key: tr.dataset.key,
      delta: tr.querySelector('[data-testid="across-delta"]')?.textContent,
      verdict: tr.querySelector('[data-testid="across-delta"]')?.dataset.verdict,
    })),
  );
  assert.equal(shown.length, view.rows.length);
  let withInterval = 0;
  for (const r of view.rows) {
    const d = r.deltas.find((x) => x.a === first.key && x.b === second.key);
    const s = shown.find((x) => x.key === r.key);
    if (!d) {
      assert.equal(s.delta, '–', r.key);
      continue;
    }
    assert.equal(s.verdict, d.verdict, r.key);
    if (d.verdict !== 'unknown' && d.ratio !== null) {
      withInterval++;
      const point = `${d.ratio.toFixed(2)}×`;
      const interval = `[${d.ratioLow.toFixed(2)}, ${d.ratioHigh.toFixed(2)}]`;
      assert.equal(s.delta, d.verdict === 'same' ? `no detectable difference (${point} ${interval})` : `${point} ${interval}`, r.key);
    }
  }
  console.log(
    `across devices (${framework}): ${view.devicePairs.map((p) => p.text).join('; ')}; ${withInterval} of ${view.rows.length} layer deltas with an interval`,
  );
  mkdirSync(SHOTS, { recursive: true });
  await page.locator('[data-testid="across-section"]').screenshot({ path: join(SHOTS, 'compare-across-devices.png') });
  assert.deepEqual(pageErrors, []);
});
