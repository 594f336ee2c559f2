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
  const modelId = process.env.FARM_MODEL_ID ?? (await getJson('/models'))[0]?.id;
  assert.ok(modelId, `no FARM_MODEL_ID given and ${apiUrl}/models is empty: upload and benchmark a model first`);
  compare = await getJson(`/compare?modelId=${encodeURIComponent(modelId)}`);
  assert.ok(compare.cells.length > 0, `model ${modelId} has no results in /compare: benchmark it first`);
  devices = await getJson('/devices');

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
  // An emulated cell carries "emulated" too: the selection is one class among others.
  const classes = (await page.getAttribute(`td[data-testid="cell"][data-job-id="${other.jobId}"]`, 'class')).split(/\s+/);
  assert.ok(classes.includes('selected'), classes.join(' '));
  assert.equal(classes.includes('emulated'), !!other.emulated);
  assert.ok(!(await page.getAttribute(`td[data-testid="cell"][data-job-id="${current}"]`, 'class')).split(/\s+/).includes('selected'));
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
  const fresh = new Map((await getJson('/devices')).map((d) => [d.id, d]));
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
