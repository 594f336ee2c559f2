/**
 * Core ML uploads through the real API process against real Postgres and Redis: an .mlmodel and
 * a zipped .mlpackage are inspected and stored; hostile archives (bomb, traversal, links) are
 * refused with a 4xx and leave no row and no file; computeUnits is refused for other frameworks.
 * The models are built by the suite from the public Core ML protobuf spec (coreml-fixtures.ts).
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { coreMlNeuralNetwork, hostileMlPackages, mlPackageZip, MIL_FIXTURE_OPS } from '../fixtures/coreml-fixtures.js';
import { api, createTestDatabase, requireEnv, sql, startApi, uploadBytes, type ApiHandle } from '../fixtures/stack.js';

const TABLES = ['models', 'model_artifacts'];

async function rowCounts(db: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await sql<{ n: string }>(db, `SELECT count(*)::text AS n FROM ${t}`))[0]!.n);
  return out;
}

function fileCount(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).length;
}

describe('Core ML uploads (real API, Postgres, Redis)', () => {
  let h: ApiHandle;

  beforeAll(async () => {
    const db = await createTestDatabase('coreml_int');
    h = await startApi({ databaseUrl: db, redisUrl: requireEnv('TEST_REDIS_URL'), env: { MAX_MODEL_MB: '8', HEARTBEAT_INTERVAL_MS: '600000' } });
  });
  afterAll(async () => {
    await h?.kill();
  });

  test('an .mlmodel and a zipped .mlpackage are detected from content and inspected', async () => {
    const nn = await uploadBytes(h.url, coreMlNeuralNetwork(), 'model.bin', { name: 'nn' });
    assert.equal(nn.status, 201, JSON.stringify(nn.body));
    const a = nn.body.model.artifacts[0];
    assert.equal(a.format, 'coreml');
    assert.equal(a.metadata.modelType, 'neuralNetwork');
    assert.deepEqual(a.metadata.inputs[0].image, { width: 64, height: 64, colorSpace: 'RGB' });
    assert.equal(a.opHistogram.convolution, 2);

    const pkg = await uploadBytes(h.url, mlPackageZip(), 'Model.mlpackage.zip', { name: 'program' });
    assert.equal(pkg.status, 201, JSON.stringify(pkg.body));
    const p = pkg.body.model.artifacts[0];
    assert.equal(p.format, 'coreml');
    assert.equal(p.metadata.container, 'mlpackage');
    assert.equal(p.metadata.modelType, 'mlProgram');
    assert.equal(p.nodeCount, MIL_FIXTURE_OPS.length);
  });

  test('hostile archives are refused with a 4xx and nothing is stored', async () => {
    const before = await rowCounts(h.databaseUrl);
    const files = fileCount(h.artifactDir);
    for (const [name, bytes] of Object.entries(hostileMlPackages())) {
      const r = await uploadBytes(h.url, bytes, `${name}.mlpackage.zip`);
      assert.equal(r.status, 422, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'MODEL_ARCHIVE_UNSAFE', name);
    }
    assert.deepEqual(await rowCounts(h.databaseUrl), before);
    assert.equal(fileCount(h.artifactDir), files);
  });

  test('computeUnits is refused for a framework other than coreml, with the reason', async () => {
    const r = await api(h.url, 'POST', '/benchmarks', {
      modelId: '00000000-0000-4000-8000-000000000000',
      targets: { platform: 'ios' },
      frameworks: ['onnxruntime'],
      options: { computeUnits: 'cpuOnly' },
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(JSON.stringify(r.body), /computeUnits.*coreml only/);
  });
});
