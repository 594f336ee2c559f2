/**
 * A web page of another origin cannot write to the farm: Debian Chromium opens an "attacker" page
 * (served here on another port) that posts a model as multipart/form-data to the farm API, both as
 * a submitted form and as a no-cors fetch, the two ways a page sends a simple cross-origin request.
 * The API answers 403 CROSS_SITE_REQUEST and stores nothing; the same upload from a program with a
 * write key is accepted, and without a key refused with 401.
 */
import { afterAll, beforeAll, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { createTestDatabase, freePort, requireEnv, SAMPLE, sql, startApi, type ApiHandle } from '../fixtures/stack.js';
import { describeUnless } from '../fixtures/skip.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../fixtures/chromium.js';

function attackerPage(apiUrl: string): string {
  return `<!doctype html><html><body>
<form id="f" method="post" enctype="multipart/form-data" action="${apiUrl}/models">
  <input type="file" name="file" id="file"><input type="hidden" name="name" value="planted">
</form>
<script>
  window.noCors = async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(64)]), 'planted.onnx');
    await fetch('${apiUrl}/models', { method: 'POST', body: form, mode: 'no-cors' });
  };
</script>
</body></html>`;
}

const models = async (h: ApiHandle) => Number((await sql<{ n: string }>(h.databaseUrl, 'SELECT count(*)::text AS n FROM models'))[0]!.n);

describeUnless(existsSync(CHROMIUM) ? false : `SKIPPED: no ${CHROMIUM} (apt-get install -y chromium)`)('cross-site writes from a browser', () => {
  let h: ApiHandle;
  let attacker: Server;
  let attackerUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await startApi({ databaseUrl: await createTestDatabase('cross_site'), redisUrl: requireEnv('TEST_REDIS_URL') });
    const port = await freePort();
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackerPage(h.url)));
    await new Promise<void>((r) => attacker.listen(port, '127.0.0.1', r));
    // localhost vs 127.0.0.1: another site, not only another port.
    attackerUrl = `http://localhost:${port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
    await h?.kill();
  });

  test('a form post of a model file from another site gets 403 and stores nothing', async () => {
    const page = await browser.newPage();
    await page.goto(attackerUrl);
    await page.setInputFiles('#file', SAMPLE.onnx);
    const [response] = await Promise.all([page.waitForResponse(`${h.url}/models`), page.evaluate("document.getElementById('f').submit()")]);
    assert.equal(response.status(), 403);
    const body = JSON.parse(await response.text());
    assert.equal(body.error.code, 'CROSS_SITE_REQUEST');
    assert.equal(await models(h), 0);
  });

  test('a no-cors multipart fetch from another site gets 403 and stores nothing', async () => {
    const page = await browser.newPage();
    await page.goto(attackerUrl);
    const [response] = await Promise.all([page.waitForResponse(`${h.url}/models`), page.evaluate('window.noCors()')]);
    assert.equal(response.status(), 403);
    assert.equal(await models(h), 0);
  });

  test('the same multipart upload from a program needs a key: 401 without, 201 with a write key', async () => {
    const post = (headers: Record<string, string>) => {
      const form = new FormData();
      form.append('file', new Blob([readFileSync(SAMPLE.onnx)]), 'blazeface.onnx');
      return fetch(`${h.url}/models`, { method: 'POST', body: form, headers });
    };
    const none = await post({});
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(await none.text()).error.code, 'API_KEY_REQUIRED');
    assert.equal((await post({ authorization: `Bearer ${h.apiKey}` })).status, 201);
    assert.equal(await models(h), 1);
  });
});
