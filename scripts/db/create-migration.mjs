#!/usr/bin/env node
// Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes a database
// from the existing migrations to prisma/schema.prisma: `prisma migrate dev --create-only`
// without the engine binary. The engine replays the existing migrations into a temporary shadow
// database (created and dropped on the same server) and diffs that against the schema.
//
//   node scripts/db/create-migration.mjs <name>
//
// The server is DATABASE_URL's when set (its user must be allowed to CREATE DATABASE), otherwise
// the project's embedded Postgres, started for the occasion and stopped again if it was not
// already running. Nothing is applied to the target database itself.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../services/embedded-postgres.mjs';
import { lockfileContent, lockfileName, migrationsDir, noFilters, readMigrationsList, readSchemaFiles, withSchemaEngine } from './schema-engine.mjs';

/**
 * @param {string} name  snake_case description, e.g. `add_device_tags`
 * @param {{ databaseUrl?: string }} [options]  a server to make the shadow database on
 * @returns {Promise<{ directory: string | null }>} the new migration folder, or null when the
 *   schema already matches the migrations
 */
export async function createMigration(name, { databaseUrl = process.env.DATABASE_URL } = {}) {
  if (!/^[a-z0-9_]+$/i.test(name ?? '')) throw new Error('migration name must be letters, digits and underscores, e.g. add_device_tags');

  let server = null;
  if (!databaseUrl) {
    server = await startEmbeddedPostgres();
    databaseUrl = server.url;
  }
  try {
    const migrationsList = await readMigrationsList();
    const schemaFiles = await readSchemaFiles();
    // Diff rather than the engine's createMigration: in the WebAssembly build only diff is given
    // the adapter factory it needs to make a shadow database for replaying the migrations.
    const from = migrationsList.migrationDirectories.length ? { tag: 'migrations', ...migrationsList } : { tag: 'empty' };
    const { stdout } = await withSchemaEngine(databaseUrl, schemaFiles, (engine) =>
      engine.diff({ from, to: { tag: 'schemaDatamodel', files: schemaFiles }, script: true, exitCode: null, filters: noFilters }),
    );
    if (isEmptyScript(stdout)) return { directory: null };

    const directory = path.join(migrationsDir, `${timestamp()}_${name}`);
    await mkdir(directory, { recursive: true });
    await writeFile(path.join(directory, 'migration.sql'), stdout);
    const lockPath = path.join(migrationsDir, lockfileName);
    if (!existsSync(lockPath)) await writeFile(lockPath, lockfileContent);
    return { directory };
  } finally {
    await server?.stop();
  }
}

/** Prisma's migration folder prefix: UTC, to the second. */
function timestamp(now = new Date()) {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** For an empty diff the engine still prints a comment line; only statements count. */
function isEmptyScript(script) {
  return !script || script.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('--'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  createMigration(process.argv[2]).then(
    ({ directory }) => console.log(directory ? `created ${path.relative(process.cwd(), directory)}` : 'no changes: the schema matches the migrations'),
    (err) => {
      console.error(`create-migration failed: ${err.message}`);
      process.exit(1);
    },
  );
}
