/**
 * The API tried as a new user would: in a fresh folder outside the repository, a client is
 * generated from the running API's /docs/json with a public generator (openapi-typescript, run
 * against the URL), a small TypeScript program written against it with openapi-fetch is
 * type-checked with tsc (strict: the answers must be typed, not unknown or any) and run. It uploads
 * a model, starts a run on the real agent and engine, polls it, reads typed results and typed errors.
 * The program is test/fixtures/new-user-program.ts.txt; the folder gets only openapi-fetch and
 * @types/node beside it, as `npm install openapi-fetch @types/node` would give.
 */
import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { oneNodeOnnx } from '../fixtures/onnx-fixtures.js';
import { createTestDatabase, requireEnv, ROOT, startAgent, startApi, type AgentHandle, type ApiHandle } from '../fixtures/stack.js';

const run = promisify(execFile);

describe('a new user generates a client from /docs/json and drives the farm with it', () => {
  let h: ApiHandle;
  let agent: AgentHandle;
  let dir: string;
  const redisUrl = requireEnv('TEST_REDIS_URL');

  beforeAll(async () => {
    h = await startApi({ databaseUrl: await createTestDatabase('new_user'), redisUrl, env: { READ_ACCESS: 'key' } });
    agent = await startAgent(h, { redisUrl });
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'farm-new-user-')));
  });

  afterAll(async () => {
    await agent?.kill();
    await h?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('generate, type-check, run: upload, run, poll, typed results and typed errors', async () => {
    assert.ok(relative(ROOT, dir).startsWith('..'), `${dir} is outside the repository`);
    // What `npm install openapi-fetch @types/node` would put there (the repo's copies, linked).
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    for (const pkg of ['openapi-fetch', 'openapi-typescript-helpers', '@types/node', 'undici-types']) {
      symlinkSync(join(ROOT, 'node_modules', pkg), join(dir, 'node_modules', pkg));
    }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'farm-user', private: true, type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, types: ['node'], outDir: 'out' },
        include: ['*.ts'],
      }),
    );
    copyFileSync(join(ROOT, 'test/fixtures/new-user-program.ts.txt'), join(dir, 'program.ts'));
    writeFileSync(join(dir, 'model.onnx'), oneNodeOnnx('Relu', [1, 3, 32, 32]));

    // The public generator against the live document. --default-non-nullable=false: a field with a default need not be sent.
    // /docs/json is public (even with READ_ACCESS=key, as here): no key is needed to generate a client.
    await run(join(ROOT, 'node_modules/.bin/openapi-typescript'), [`${h.url}/docs/json`, '-o', join(dir, 'farm-api.ts'), '--default-non-nullable=false'], {
      cwd: dir,
    });
    const types = readFileSync(join(dir, 'farm-api.ts'), 'utf8');
    assert.match(types, /ErrorEnvelope: \{/);
    assert.match(types, /"\/benchmarks\/\{id\}\/results"/);

    // Strict type-check: a type error (or an unused @ts-expect-error, were the answers `any`) fails here.
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir }).catch((e) => e);
    assert.equal(tsc.code ?? 0, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);

    const out = await run(process.execPath, [join(dir, 'out/program.js'), h.url, h.apiKey, join(dir, 'model.onnx')], { cwd: dir, timeout: 300_000 });
    const report = JSON.parse(out.stdout.trim().split('\n').pop()!);
    console.log(`new-user program: ${out.stdout.trim()}`);
    assert.equal(report.missingStatus, 404);
    assert.equal(report.missingCode, 'MODEL_NOT_FOUND');
    assert.deepEqual(report.inputShape, [1, 3, 32, 32]);
    assert.equal(report.nextCursor, null, 'one device: one page');
    assert.equal(report.refusedStatus, 422);
    assert.equal(report.refusedCode, 'NO_MATCHING_DEVICE');
    assert.equal(report.runStatus, 'succeeded');
    assert.equal(report.jobs, 1);
    assert.equal(report.runs, 5, 'the timed runs asked for');
    assert.equal(typeof report.medianMs, 'number');
    assert.ok(report.ciLowMs <= report.medianMs);
    assert.deepEqual(report.layerClasses, ['activation']);
  });
});
