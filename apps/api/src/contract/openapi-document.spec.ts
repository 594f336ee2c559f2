import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import 'reflect-metadata';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import { ApiKeyViewSchema } from '@farm/contracts';
import { farmOpenApiDocument } from './all-route-contracts.js';
import { staleArtifacts } from './openapi-artifacts.js';
import { allRouteContracts, RouteContract, type RouteContractEntry } from './route-contract.js';
import { contractProblem } from './response-check.middleware.js';
import { routeGaps } from './route-coverage.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
type Operation = { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }>; 'x-error-codes'?: string[] }>; security?: unknown[] };

test('every operation has a 2xx answer with a schema and error answers (4xx wherever it takes input or a credential) in the named envelope, with their codes', () => {
  const doc = farmOpenApiDocument();
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.components?.schemas?.ErrorEnvelope, 'ErrorEnvelope is a named component');
  assert.deepEqual(Object.keys(doc.components?.securitySchemes ?? {}).sort(), ['agentBootstrap', 'agentCredential', 'apiKey', 'apiKeyHeader']);
  const problems: string[] = [];
  let operations = 0;
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, Operation>)) {
      operations++;
      const where = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(op.responses);
      const ok = statuses.filter((s) => s.startsWith('2'));
      if (!ok.length) problems.push(`${where}: no 2xx answer`);
      for (const s of ok) if (!Object.values(op.responses[s]!.content ?? {}).some((c) => c.schema)) problems.push(`${where}: ${s} has no schema`);
      // A route that takes input or a credential can be refused (4xx); GET /health takes neither, and answers 200 or 503 only.
      const takesNothing = path === '/health';
      if (!statuses.some((s) => s.startsWith('4')) && !takesNothing) problems.push(`${where}: no 4xx answer`);
      if (!statuses.some((s) => /^[45]/.test(s))) problems.push(`${where}: no error answer`);
      for (const s of statuses.filter((x) => /^[45]/.test(x))) {
        const r = op.responses[s]!;
        if (r.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorEnvelope') problems.push(`${where}: ${s} is not the ErrorEnvelope`);
        if (!r['x-error-codes']?.length) problems.push(`${where}: ${s} lists no error codes`);
      }
      if (!Array.isArray(op.security)) problems.push(`${where}: no security requirement`);
    }
  }
  assert.equal(operations, allRouteContracts().length);
  assert.deepEqual(problems, []);
});

test('the checked-in docs/openapi.json and libs/api-client types are what the contracts generate (the diff shows otherwise)', async () => {
  const stale = await staleArtifacts(ROOT);
  assert.equal(stale.length, 0, `run \`npm run openapi\` and commit the result:\n${stale.join('\n')}`);
});

test('the response check refuses a body off its schema, an undeclared status and an undeclared error code', () => {
  const contract: RouteContractEntry = {
    method: 'get',
    path: '/spec-only/keys/{id}',
    operationId: 'specOnly',
    summary: 'test route',
    tag: 'test',
    access: 'admin',
    params: z.object({ id: z.string().uuid() }),
    responses: { 200: { description: 'a key', schema: ApiKeyViewSchema } },
    errors: ['API_KEY_NOT_FOUND'],
  };
  const key = { id: 'k', name: 'ci', prefix: 'fk_abc', scopes: ['read'], createdAt: '2026-01-01T00:00:00.000Z', revokedAt: null };
  assert.equal(contractProblem(contract, 200, key), null);
  assert.match(contractProblem(contract, 200, { ...key, scopes: 'read' })!, /scopes/);
  assert.match(contractProblem(contract, 200, { ...key, lastUsedAt: null })!, /fields its schema does not declare .*: lastUsedAt/);
  assert.equal(contractProblem(contract, 404, { error: { code: 'API_KEY_NOT_FOUND', message: 'no key' } }), null);
  assert.match(contractProblem(contract, 404, { error: { code: 'MODEL_NOT_FOUND', message: 'x' } })!, /MODEL_NOT_FOUND is not declared for 404/);
  assert.match(contractProblem(contract, 409, { error: { code: 'JOB_STATE_CONFLICT', message: 'x' } })!, /status 409 is not declared/);
  assert.match(contractProblem(contract, 401, { message: 'no envelope' })!, /not the error envelope/);
});

test('a route Nest serves without a contract is reported with what to add', async () => {
  const listed: RouteContractEntry = {
    method: 'get',
    path: '/spec-only/things',
    operationId: 'specOnlyThings',
    summary: 'test route',
    tag: 'test',
    access: 'read',
    responses: { 200: { description: 'things', schema: z.array(z.string()) } },
    errors: [],
  };
  @Controller('spec-only/things')
  class ThingsController {
    @Get()
    @RouteContract(listed)
    list() {
      return [];
    }

    @Post(':id/archive')
    archive() {
      return {};
    }
  }
  @Module({ controllers: [ThingsController] })
  class ThingsModule {}
  const app = await NestFactory.create(ThingsModule, { logger: false });
  try {
    const gaps = routeGaps(app, [listed]);
    assert.deepEqual(
      gaps.map((g) => `${g.method} ${g.path} ${g.handler}`),
      ['post /spec-only/things/{id}/archive ThingsController.archive'],
    );
    assert.match(gaps[0]!.problem, /has no route contract\. Add: \(1\) its response schema in libs\/contracts/);
    assert.match(gaps[0]!.problem, /defineRoute\(\{ method: 'post', path: '\/spec-only\/things\/\{id\}\/archive'/);
    assert.match(gaps[0]!.problem, /@RouteContract\(<entry>\) on the handler/);
    assert.match(gaps[0]!.problem, /npm run openapi/);
  } finally {
    await app.close();
  }
});

test('every example in the document is valid for its schema', () => {
  const problems: string[] = [];
  let examples = 0;
  for (const r of allRouteContracts()) {
    const check = (what: string, schema: z.ZodType | undefined, example: unknown) => {
      if (example === undefined || !schema) return;
      examples++;
      const parsed = schema.safeParse(example);
      if (!parsed.success) problems.push(`${r.method.toUpperCase()} ${r.path} ${what}: ${parsed.error.message}`);
    };
    check('request', r.body?.schema, r.body?.example);
    for (const [status, res] of Object.entries(r.responses)) check(status, res.schema, res.example);
  }
  assert.ok(examples >= 5);
  assert.deepEqual(problems, []);
});
