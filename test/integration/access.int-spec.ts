/**
 * Who may do what, against the real API, Postgres and Redis: API keys and their scopes (made with
 * the CLI), open reads on a loopback API, cross-site writes refused, rate limits and the job cap,
 * the OpenAPI security schemes; and agents: enrollment, job ownership by device, result checks,
 * names that take over nothing, credential rotation and revocation.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  agentOfDevice,
  api,
  createTestDatabase,
  registerDevice,
  requireEnv,
  ROOT,
  SAMPLE,
  sql,
  startApi,
  uploadBytes,
  type ApiHandle,
  type EnrolledAgent,
  testEnvironment,
  listDevices,
  listModels,
} from '../fixtures/stack.js';

const run = promisify(execFile);

async function cli(h: ApiHandle, key: string | undefined, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FARM_API_URL: h.url, XDG_CONFIG_HOME: '/nonexistent' };
  delete env.FARM_API_KEY;
  if (key) env.FARM_API_KEY = key;
  try {
    const r = await run(process.execPath, [join(ROOT, 'apps/cli/dist/main.js'), ...argv], { env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

async function counts(db: string): Promise<Record<string, string>> {
  const [r] = await sql<Record<string, string>>(
    db,
    `SELECT (SELECT count(*) FROM models)::text AS models, (SELECT count(*) FROM benchmark_runs)::text AS runs, (SELECT count(*) FROM benchmark_jobs)::text AS jobs`,
  );
  return r!;
}

async function multipart(h: ApiHandle, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(SAMPLE.onnx)]), 'blazeface.onnx');
  const res = await fetch(`${h.url}/models`, { method: 'POST', body: form, headers });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

describe('access control', () => {
  let h: ApiHandle;
  let writeKey: string;
  let readKey: string;

  beforeAll(async () => {
    const db = await createTestDatabase('access_int');
    h = await startApi({
      databaseUrl: db,
      redisUrl: requireEnv('TEST_REDIS_URL'),
      env: { HEARTBEAT_INTERVAL_MS: '600000', UPLOAD_RATE_LIMIT: '3', RUN_RATE_LIMIT: '5', RATE_WINDOW_S: '600', MAX_JOBS_PER_REQUEST: '2' },
    });
  });
  afterAll(async () => {
    await h?.kill();
  });

  describe('API keys', () => {
    test('the CLI creates keys with an admin key, lists them without the secret, and refuses without one', async () => {
      const noKey = await cli(h, undefined, 'keys', 'list');
      assert.equal(noKey.code, 1);
      assert.match(noKey.stderr, /error API_KEY_REQUIRED: .*admin scope.*set FARM_API_KEY/);

      const w = await cli(h, h.apiKey, 'keys', 'create', '--name', 'ci', '--scope', 'write');
      assert.equal(w.code, 0, w.stderr);
      writeKey = w.stdout.trim();
      assert.match(writeKey, /^fk_[A-Za-z0-9_-]{43}$/);
      assert.match(w.stderr, /shown this once/);
      readKey = (await cli(h, h.apiKey, 'keys', 'create', '--name', 'viewer')).stdout.trim();

      const list = await cli(h, h.apiKey, 'keys', 'list', '--json');
      const keys = JSON.parse(list.stdout) as { name: string; scopes: string[]; prefix: string }[];
      assert.deepEqual(
        keys.map((k) => [k.name, k.scopes]),
        [
          ['admin (FARM_ADMIN_KEY)', ['read', 'write', 'admin']],
          ['ci', ['write']],
          ['viewer', ['read']],
        ],
      );
      assert.ok(!list.stdout.includes(writeKey) && !list.stdout.includes(h.apiKey), 'no key appears in the list');
      assert.equal(keys[1]!.prefix, writeKey.slice(0, 9));
      // Only the hash is stored.
      const stored = await sql<{ key_hash: string }>(h.databaseUrl, 'SELECT key_hash FROM api_keys');
      assert.ok(stored.every((r) => /^[0-9a-f]{64}$/.test(r.key_hash)));

      const notAdmin = await cli(h, writeKey, 'keys', 'create', '--name', 'x', '--scope', 'admin');
      assert.match(notAdmin.stderr, /error API_KEY_SCOPE: .*needs admin/);
    });

    test('writes need a key with write scope; reads are open on a loopback API, and a wrong key is refused even there', async () => {
      const before = await counts(h.databaseUrl);
      const none = await multipart(h, {});
      assert.equal(none.status, 401);
      assert.equal(none.body.error.code, 'API_KEY_REQUIRED');
      const reader = await multipart(h, { authorization: `Bearer ${readKey}` });
      assert.equal(reader.status, 403);
      assert.equal(reader.body.error.code, 'API_KEY_SCOPE');
      const bogus = await multipart(h, { 'x-api-key': 'fk_not-a-key-at-all' });
      assert.equal(bogus.status, 401);
      assert.equal(bogus.body.error.code, 'API_KEY_INVALID');
      for (const [method, path] of [
        ['POST', '/benchmarks'],
        ['DELETE', '/benchmarks/00000000-0000-4000-8000-000000000000'],
        ['POST', '/models/00000000-0000-4000-8000-000000000000/quantize'],
      ] as const) {
        const r = await api(h.url, method, path, method === 'DELETE' ? undefined : {}, { key: null });
        assert.equal(r.status, 401, `${method} ${path}`);
      }
      assert.deepEqual(await counts(h.databaseUrl), before);

      const ok = await multipart(h, { 'x-api-key': writeKey });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.equal((await api(h.url, 'GET', '/models', undefined, { key: null })).status, 200);
      assert.equal((await api(h.url, 'GET', '/models', undefined, { key: readKey })).status, 200);
      assert.equal((await api(h.url, 'GET', '/models', undefined, { key: 'fk_wrong' })).body.error.code, 'API_KEY_INVALID');
      // Key management is never open.
      assert.equal((await api(h.url, 'GET', '/keys', undefined, { key: null })).status, 401);
    });

    test('a cross-site multipart post is refused with 403 even with a valid key, and stores nothing', async () => {
      const before = await counts(h.databaseUrl);
      const byOrigin = await multipart(h, { authorization: `Bearer ${h.apiKey}`, origin: 'http://evil.example' });
      assert.equal(byOrigin.status, 403);
      assert.equal(byOrigin.body.error.code, 'CROSS_SITE_REQUEST');
      const byFetchSite = await multipart(h, { authorization: `Bearer ${h.apiKey}`, 'sec-fetch-site': 'cross-site' });
      assert.equal(byFetchSite.status, 403);
      assert.deepEqual(await counts(h.databaseUrl), before);
      // The farm's own page (same origin) may.
      const own = await multipart(h, { authorization: `Bearer ${h.apiKey}`, origin: h.url, 'sec-fetch-site': 'same-origin' });
      assert.equal(own.status, 200, JSON.stringify(own.body));
    });

    test('a revoked key stops working at once', async () => {
      const k = await cli(h, h.apiKey, 'keys', 'create', '--name', 'temp', '--scope', 'write', '--json');
      const created = JSON.parse(k.stdout) as { id: string; key: string };
      assert.equal((await api(h.url, 'POST', '/benchmarks', {}, { key: created.key })).status, 400, 'accepted (then refused as a bad request)');
      const revoked = await cli(h, h.apiKey, 'keys', 'revoke', created.id);
      assert.match(revoked.stdout, /revoked .* "temp"/);
      const after = await api(h.url, 'POST', '/benchmarks', {}, { key: created.key });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'API_KEY_INVALID');
      assert.equal((await cli(h, h.apiKey, 'keys', 'revoke', '00000000-0000-4000-8000-000000000000')).stderr.trim().split(' ')[1], 'API_KEY_NOT_FOUND:');
    });

    test('uploads are rate limited per key (429 with Retry-After); other keys are not affected', async () => {
      const k = (await cli(h, h.apiKey, 'keys', 'create', '--name', 'burst', '--scope', 'write')).stdout.trim();
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        const form = new FormData();
        form.append('file', new Blob([readFileSync(SAMPLE.onnx)]), 'b.onnx');
        last = await fetch(`${h.url}/models`, { method: 'POST', body: form, headers: { authorization: `Bearer ${k}` } });
        statuses.push(last.status);
      }
      assert.deepEqual(
        statuses.slice(0, 3).map((s) => s < 300),
        [true, true, true],
      );
      assert.equal(statuses[3], 429);
      const body = JSON.parse(await last!.text());
      assert.equal(body.error.code, 'RATE_LIMITED');
      assert.match(body.error.message, /at most 3 per 600 s per key; retry in \d+ s/);
      assert.ok(Number(last!.headers.get('retry-after')) > 0);
      const other = await uploadBytes(h.url, readFileSync(SAMPLE.onnx), 'other.onnx');
      assert.ok(other.status < 300, 'the admin key has its own budget');
    });

    test('run creation is rate limited per key too, counting refused requests', async () => {
      const k = (await cli(h, h.apiKey, 'keys', 'create', '--name', 'runs', '--scope', 'write')).stdout.trim();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await api(h.url, 'POST', '/benchmarks', {}, { key: k })).status);
      assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429]);
    });

    test('the OpenAPI document declares the security schemes and which endpoints need them', async () => {
      const doc = (await api(h.url, 'GET', '/docs/json')).body;
      assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['agentBootstrap', 'agentCredential', 'apiKey', 'apiKeyHeader']);
      assert.deepEqual(doc.paths['/models'].post.security, [{ apiKey: ['write'] }, { apiKeyHeader: ['write'] }]);
      assert.deepEqual(doc.paths['/models'].get.security, [{ apiKey: ['read'] }, { apiKeyHeader: ['read'] }, {}], 'reads may be open (READ_ACCESS)');
      assert.deepEqual(doc.paths['/keys'].get.security, [{ apiKey: ['admin'] }, { apiKeyHeader: ['admin'] }]);
      assert.deepEqual(doc.paths['/health'].get.security, []);
      assert.deepEqual(doc.paths['/agent/enroll'].post.security, [{ agentBootstrap: [] }]);
      assert.deepEqual(doc.paths['/agent/register'].post.security, [{ agentCredential: [] }]);
    });

    test('the served document covers every route Nest serves, and is the checked-in docs/openapi.json', async () => {
      const doc = (await api(h.url, 'GET', '/docs/json')).body;
      const missing = Object.values(doc.paths as Record<string, Record<string, { 'x-missing-contract'?: string }>>)
        .flatMap((item) => Object.values(item))
        .map((op) => op['x-missing-contract'])
        .filter(Boolean);
      assert.deepEqual(missing, [], missing.join('\n'));
      assert.deepEqual(doc, JSON.parse(readFileSync(join(ROOT, 'docs/openapi.json'), 'utf8')), 'the API serves what `npm run openapi` wrote');
    });
  });

  describe('agents', () => {
    let a: EnrolledAgent;
    let b: EnrolledAgent;
    let deviceA: string;
    let deviceB: string;
    let jobA: string;
    let modelId: string;

    const agentCall = async (who: { headers: Record<string, string> }, method: string, path: string, body: unknown) => {
      const res = await fetch(`${h.url}${path}`, { method, headers: who.headers, body: JSON.stringify(body) });
      return { status: res.status, body: JSON.parse(await res.text()) };
    };
    const result = (over: Record<string, unknown> = {}, framework = 'onnxruntime') => ({
      attempt: 1,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      output: {
        framework,
        frameworkVersion: '1.30.0',
        threads: 1,
        loadMs: 1,
        firstInferenceMs: 1,
        latenciesMs: [1, 1.1, 0.9],
        peakMemoryBytes: null,
        outputDigest: 'x',
        layers: [],
        profiledRuns: 0,
      },
      environment: testEnvironment(),
      ...over,
    });

    beforeAll(async () => {
      deviceA = await registerDevice(h, 'desk-a');
      a = agentOfDevice(deviceA);
      deviceB = await registerDevice(h, 'desk-b');
      b = agentOfDevice(deviceB);
      modelId = (await uploadBytes(h.url, readFileSync(SAMPLE.onnx), 'a.onnx')).body.model.id;
      const created = await api(h.url, 'POST', '/benchmarks', { modelId, targets: { deviceIds: [deviceA] }, frameworks: ['onnxruntime'] });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      jobA = (await api(h.url, 'GET', `/benchmarks/${created.body.runId}`)).body.jobs[0].id;
    });

    test('the bootstrap token enrolls and does nothing else; a wrong one enrolls nothing', async () => {
      const bootstrap = { headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' } };
      const reg = await agentCall(bootstrap, 'POST', '/agent/register', { name: 'x', hostname: 'x', version: 'x', devices: [] });
      assert.equal(reg.status, 401);
      assert.equal((await agentCall(bootstrap, 'PUT', `/agent/jobs/${jobA}/result`, result())).status, 401);
      const wrong = await agentCall(
        { headers: { authorization: 'Bearer not-the-bootstrap-token', 'content-type': 'application/json' } },
        'POST',
        '/agent/enroll',
        {
          name: 'x',
          hostname: 'x',
          version: 'x',
        },
      );
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, 'AGENT_UNAUTHORIZED');
      // A user's key is no agent credential either.
      assert.equal(
        (await agentCall({ headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' } }, 'POST', '/agent/heartbeat', {})).status,
        401,
      );
      // Only hashes are stored.
      const creds = await sql<{ token_hash: string }>(h.databaseUrl, 'SELECT token_hash FROM agent_credentials');
      assert.ok(creds.length >= 2 && creds.every((c) => /^[0-9a-f]{64}$/.test(c.token_hash) && c.token_hash !== a.credential));
    });

    test("an agent cannot start, progress, fail or post a result for another agent's device", async () => {
      const started = await agentCall(b, 'POST', `/agent/jobs/${jobA}/started`, { attempt: 1, startedAt: new Date().toISOString() });
      assert.equal(started.status, 404);
      assert.equal(started.body.error.code, 'JOB_NOT_FOUND');
      assert.equal((await agentCall(b, 'POST', `/agent/jobs/${jobA}/progress`, { attempt: 1, phase: 'timed', done: 1, total: 2 })).status, 404);
      assert.equal(
        (await agentCall(b, 'POST', `/agent/jobs/${jobA}/failure`, { attempt: 1, permanent: true, code: 'X', message: 'forged', final: true })).status,
        404,
      );
      const forged = await agentCall(b, 'PUT', `/agent/jobs/${jobA}/result`, result({ deviceId: deviceB }));
      assert.equal(forged.status, 404);
      const [job] = await sql<{ status: string; attempts: number; error_code: string | null }>(
        h.databaseUrl,
        'SELECT status, attempts, error_code FROM benchmark_jobs WHERE id = $1',
        [jobA],
      );
      assert.deepEqual(job, { status: 'queued', attempts: 0, error_code: null });
      assert.equal((await sql(h.databaseUrl, 'SELECT 1 FROM benchmark_results WHERE job_id = $1', [jobA])).length, 0);
    });

    test("a result's device and framework must be its job's", async () => {
      const wrongFramework = await agentCall(a, 'PUT', `/agent/jobs/${jobA}/result`, result({}, 'tflite'));
      assert.equal(wrongFramework.status, 422);
      assert.equal(wrongFramework.body.error.code, 'RESULT_MISMATCH');
      assert.match(wrongFramework.body.error.message, /onnxruntime job; the result is from tflite/);
      const wrongDevice = await agentCall(a, 'PUT', `/agent/jobs/${jobA}/result`, result({ deviceId: deviceB }));
      assert.equal(wrongDevice.status, 422);
      assert.equal(wrongDevice.body.error.code, 'RESULT_MISMATCH');
      const right = await agentCall(a, 'PUT', `/agent/jobs/${jobA}/result`, result({ deviceId: deviceA }));
      assert.equal(right.status, 201, JSON.stringify(right.body));
    });

    test("registering under another agent's name takes over none of its devices", async () => {
      const reg = await agentCall(b, 'POST', '/agent/register', { name: 'desk-a-agent', hostname: 'impostor', version: 'x', devices: [] });
      assert.equal(reg.status, 200);
      assert.equal(reg.body.agentId, b.agentId);
      assert.notEqual(reg.body.agentId, a.agentId);
      const devices = await listDevices(h.url);
      assert.equal(devices.find((d) => d.id === deviceA)!.status, 'online');
      const hb = await agentCall(b, 'POST', '/agent/heartbeat', { agentId: a.agentId, busyDeviceIds: [deviceA] });
      assert.equal(hb.status, 404);
      const [owner] = await sql<{ agent_id: string }>(h.databaseUrl, 'SELECT agent_id FROM devices WHERE id = $1', [deviceA]);
      assert.equal(owner!.agent_id, a.agentId);
    });

    test('an agent rotates its own credential; an admin rotates or revokes one', async () => {
      const rotated = await agentCall(a, 'POST', '/agent/credential/rotate', {});
      assert.equal(rotated.status, 200);
      assert.equal(rotated.body.agentId, a.agentId);
      const fresh = { headers: { authorization: `Bearer ${rotated.body.credential}`, 'content-type': 'application/json' } };
      const old = await agentCall(a, 'POST', '/agent/heartbeat', { agentId: a.agentId });
      assert.equal(old.status, 401);
      assert.equal(old.body.error.code, 'AGENT_CREDENTIAL_REVOKED');
      assert.equal((await agentCall(fresh, 'POST', '/agent/heartbeat', { agentId: a.agentId })).status, 200);

      // Admin scope only.
      assert.equal((await api(h.url, 'GET', '/agents', undefined, { key: writeKey })).status, 403);
      const listed = (await api(h.url, 'GET', '/agents')).body.items as { id: string; credentialActive: boolean; devices: { id: string; queue: string }[] }[];
      assert.deepEqual(listed.find((x) => x.id === a.agentId)!.devices, [{ id: deviceA, serial: 'desk-a', status: 'online', queue: `device.${deviceA}` }]);

      const issued = await api(h.url, 'POST', `/agents/${a.agentId}/credential`);
      assert.equal(issued.status, 200);
      assert.equal((await agentCall(fresh, 'POST', '/agent/heartbeat', { agentId: a.agentId })).status, 401);
      const installed = { headers: { authorization: `Bearer ${issued.body.credential}`, 'content-type': 'application/json' } };
      assert.equal((await agentCall(installed, 'POST', '/agent/heartbeat', { agentId: a.agentId })).status, 200);

      const revoked = await api(h.url, 'DELETE', `/agents/${a.agentId}/credential`);
      assert.equal(revoked.status, 200);
      const after = await agentCall(installed, 'POST', '/agent/heartbeat', { agentId: a.agentId });
      assert.equal(after.body.error.code, 'AGENT_CREDENTIAL_REVOKED');
      const devices = await listDevices(h.url);
      assert.equal(devices.find((d) => d.id === deviceA)!.status, 'offline');
      assert.equal((await api(h.url, 'DELETE', '/agents/00000000-0000-4000-8000-000000000000/credential')).body.error.code, 'AGENT_NOT_FOUND');
    });
  });

  test('a request that expands to more jobs than MAX_JOBS_PER_REQUEST gets 422 and stores nothing', async () => {
    const device = await registerDevice(h, 'cap-desk');
    // A model already uploaded: the admin key's upload budget (3 per window here) is spent by now.
    const modelId = (await listModels(h.url))[0]!.id;
    const before = await counts(h.databaseUrl);
    const r = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: [device] },
      frameworks: ['onnxruntime'],
      options: [{ threads: 1 }, { threads: 2 }, { threads: 3 }],
    });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'TOO_MANY_JOBS');
    assert.deepEqual(r.body.error.details, { jobs: 3, max: 2 });
    assert.match(r.body.error.message, /3 jobs; at most 2 per request \(MAX_JOBS_PER_REQUEST\)/);
    assert.deepEqual(await counts(h.databaseUrl), before);
    const ok = await api(h.url, 'POST', '/benchmarks', {
      modelId,
      targets: { deviceIds: [device] },
      frameworks: ['onnxruntime'],
      options: [{ threads: 1 }, { threads: 2 }],
    });
    assert.equal(ok.status, 202, JSON.stringify(ok.body));
  });
});
