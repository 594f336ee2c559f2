#!/usr/bin/env node
// Applies prisma/migrations/* to DATABASE_URL, the equivalent of `prisma migrate deploy` without
// the schema engine binary: Prisma's schema engine as WebAssembly, through the pg driver adapter.
// It keeps Prisma's own `_prisma_migrations` bookkeeping, so `prisma migrate deploy` on a machine
// with the binary sees the same history. Applying twice is a no-op.
//
//   DATABASE_URL=postgresql://... node scripts/db/migrate.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { noFilters, pgConfigFromUrl, readMigrationsList, readSchemaFiles, withSchemaEngine } from './schema-engine.mjs';

/**
 * Applies every migration not yet recorded in `_prisma_migrations`, creating the database first
 * if it does not exist (as `prisma migrate deploy` does).
 * @param {string} databaseUrl
 * @param {{ through?: string }} [options]  through: apply only the migrations up to and including
 *   this folder name (a bench's baseline build runs on the schema of its own commit)
 * @returns {Promise<string[]>} names of the migrations applied by this call (empty when up to date)
 */
export async function applyMigrations(databaseUrl, { through } = {}) {
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  await ensureDatabaseExists(databaseUrl);
  const migrationsList = await readMigrationsList();
  if (through !== undefined) {
    if (!migrationsList.migrationDirectories.some((d) => d.path === through)) throw new Error(`no migration ${through} under ${migrationsList.baseDir}`);
    migrationsList.migrationDirectories = migrationsList.migrationDirectories.filter((d) => d.path <= through);
  }
  if (migrationsList.migrationDirectories.length === 0) throw new Error(`no migrations under ${migrationsList.baseDir}`);
  const { appliedMigrationNames } = await withSchemaEngine(databaseUrl, await readSchemaFiles(), (engine) =>
    engine.applyMigrations({ migrationsList, filters: noFilters }),
  );
  return appliedMigrationNames;
}

async function ensureDatabaseExists(databaseUrl) {
  const config = pgConfigFromUrl(databaseUrl);
  const probe = new pg.Client(config);
  try {
    await probe.connect();
    return;
  } catch (err) {
    if (err.code !== '3D000') throw err; // only "database does not exist" is ours to fix
  } finally {
    await probe.end().catch(() => {});
  }
  const admin = new pg.Client({ ...config, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(config.database)}`).catch((err) => {
      if (err.code !== '42P04') throw err; // created meanwhile by someone else
    });
  } finally {
    await admin.end();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  applyMigrations(process.env.DATABASE_URL).then(
    (applied) => {
      const took = `${Date.now() - started} ms`;
      if (applied.length === 0) console.log(`migrations: database is up to date (${took})`);
      else console.log(`migrations: applied ${applied.join(', ')} (${took})`);
    },
    (err) => {
      console.error(`migrations failed: ${err.message}`);
      process.exit(1);
    },
  );
}
