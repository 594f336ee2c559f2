// End-to-end test of the dashboard (apps/web/public) in Debian Chromium against a running farm API:
// the matrix shows every /compare cell with the API's medians, the op-class chart is drawn from the
// selected cell, and clicking another cell redraws it. Plain ESM so it runs without a build:
//   FARM_API_URL=http://localhost:3000 [FARM_MODEL_ID=<uuid>] bash scripts/jest.sh --selectProjects dashboard
// Without FARM_MODEL_ID the first model of GET /models is used. A screenshot goes to test/e2e/artifacts/.
import { test, beforeAll, afterAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const apiUrl = process.env.FARM_API_URL?.replace(/\/+$/, '');
let browser;
let page;
let compare;
const pageErrors = [];

async function getJson(path) {
  const res = await fetch(`${apiUrl}${path}`);
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

function assertChartShows(chart, cell) {
  assert.ok(chart, 'no Chart.js instance on [data-testid="layer-chart"]');
  assert.ok(chart.data.length > 0, 'chart dataset is empty');
  assert.deepEqual(chart.labels, cell.opClasses.map((o) => o.opClass), `chart labels differ from the op classes of ${cell.framework} on ${cell.deviceName}`);
  assert.deepEqual(chart.data, cell.opClasses.map((o) => o.timeMs), `chart values differ from the op class times of ${cell.framework} on ${cell.deviceName}`);
  // A drawn bar chart paints axes, labels and bars: far more than a few stray pixels.
  assert.ok(chart.painted > 0.01 * chart.width * chart.height, `chart canvas looks blank (${chart.painted} painted pixels of ${chart.width}x${chart.height})`);
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
  assert.ok(apiUrl, 'FARM_API_URL is not set: run this test through the e2e script that starts the stack, or set FARM_API_URL to a running farm API (e.g. http://localhost:3000)');
  const modelId = process.env.FARM_MODEL_ID ?? (await getJson('/models'))[0]?.id;
  assert.ok(modelId, `no FARM_MODEL_ID given and ${apiUrl}/models is empty: upload and benchmark a model first`);
  compare = await getJson(`/compare?modelId=${encodeURIComponent(modelId)}`);
  assert.ok(compare.cells.length > 0, `model ${modelId} has no results in /compare: benchmark it first`);

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${apiUrl}/?modelId=${encodeURIComponent(modelId)}`);
  await waitReady();
});

afterAll(async () => {
  await browser?.close();
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
  const best = compare.cells.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  const bestShown = await page.$$eval('td[data-testid="cell"][data-best="true"]', (tds) => tds.map((td) => td.dataset.jobId));
  assert.deepEqual(bestShown, [best.jobId], 'exactly the fastest cell is marked best');
  const noisyShown = await page.$$eval('td[data-testid="cell"] [data-testid="noisy"]', (els) => els.length);
  assert.equal(noisyShown, compare.cells.filter((c) => c.cv > compare.noisyCv).length, 'every cell with CV above 10% is flagged noisy');
  assert.deepEqual(pageErrors, []);
});

test('the chart shows the op classes of the default (fastest) cell and the slowest layers come from /results', async () => {
  const best = compare.cells.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  assert.equal(await page.getAttribute('[data-testid="detail"]', 'data-job-id'), best.jobId);
  if (best.opClasses.length > 0) assertChartShows(await readChart(), best);

  const result = await getJson(`/results/${best.jobId}`);
  const rows = await page.$$eval('[data-testid="layer-row"]', (trs) => trs.map((tr) => ({ name: tr.dataset.layerName, timeMs: Number(tr.dataset.timeMs) })));
  const slowest = [...result.layers].sort((a, b) => b.timeMs - a.timeMs).slice(0, 10);
  assert.deepEqual(rows, slowest.map((l) => ({ name: l.name, timeMs: l.timeMs })));
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
});

test('clicking another cell redraws the chart with that cell\'s op classes', async () => {
  const current = await page.getAttribute('[data-testid="detail"]', 'data-job-id');
  const other = compare.cells.find((c) => c.jobId !== current && c.opClasses.some((o) => o.timeMs > 0));
  // Which cells exist is only known once /compare is read, and jest has no skip from inside a test: say so loudly.
  if (!other) return console.warn('SKIPPED (nothing to click): the model has only one cell with a layer profile');
  await page.click(`td[data-testid="cell"][data-job-id="${other.jobId}"]`);
  await page.waitForSelector(`[data-testid="detail"][data-job-id="${other.jobId}"]`);
  await waitReady();
  assertChartShows(await readChart(), other);
  assert.equal(await page.getAttribute(`td[data-testid="cell"][data-job-id="${other.jobId}"]`, 'class'), 'cell selected');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-other-cell.png'), fullPage: true });
  assert.deepEqual(pageErrors, []);
});
