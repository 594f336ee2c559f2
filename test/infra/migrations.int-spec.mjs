// Integration test of the database tooling: a throw-away embedded Postgres on a free port gets
// prisma/migrations applied twice; the tables exist, Prisma's history records the migrations,
// and the second run changes nothing.
//   bash scripts/jest.sh --selectProjects infra
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { applyMigrations } from '../../scripts/db/migrate.mjs';
import { startEmbeddedPostgres } from '../../scripts/services/embedded-postgres.mjs';

const migrationsDir = fileURLToPath(new URL('../../prisma/migrations/', import.meta.url));

let tmp;
let server;

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function query(sql, params) {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'farm-migrations-'));
  // As root the server runs as the postgres account, which must be able to enter this folder.
  await chmod(tmp, 0o755);
  server = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: await freePort(), database: 'farm_test', log: () => {} });
});

afterAll(async () => {
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('applies every migration to an empty database', async () => {
  // node:fs hands back arrays of the host realm, not of jest's test context; deepEqual also compares
  // prototypes, so the list is copied into a test-context array.
  const expected = [
    ...(await readdir(migrationsDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort(),
  ];
  assert.ok(
    expected.some((name) => /^\d{14}_init$/.test(name)),
    'an init migration exists',
  );

  const applied = await applyMigrations(server.url);
  assert.deepEqual(applied, expected);

  const tables = (await query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)).map((r) => r.table_name);
  for (const table of ['models', 'benchmark_results', 'layer_timings', '_prisma_migrations']) {
    assert.ok(tables.includes(table), `table ${table} exists (have: ${tables.join(', ')})`);
  }

  const history = await query(`SELECT migration_name, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`);
  assert.deepEqual(
    history.map((r) => r.migration_name),
    expected,
  );
  const init = history.find((r) => r.migration_name.endsWith('_init'));
  assert.ok(init.finished_at, 'init is recorded as finished');
  assert.equal(init.rolled_back_at, null);
  assert.equal(init.applied_steps_count, 1);
});

test('applying again is a no-op', async () => {
  const before = await query('SELECT id, migration_name FROM _prisma_migrations ORDER BY migration_name');
  assert.deepEqual(await applyMigrations(server.url), []);
  assert.deepEqual(await query('SELECT id, migration_name FROM _prisma_migrations ORDER BY migration_name'), before);
});
