// A fresh, migrated database on the test Postgres and a real API process on it, for the benches
// that go through the API (bench/ingest, bench/compare). Needs TEST_PG_URL and TEST_REDIS_URL
// (bench/lib/test-services.sh) and a build (apps/api/dist).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyMigrations } from '../../scripts/db/migrate.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

export async function benchDatabase(prefix) {
  const db = new URL(process.env.TEST_PG_URL);
  db.pathname = `/${prefix}_${randomBytes(4).toString('hex')}`;
  await applyMigrations(db.toString());
  return db.toString();
}

/** Starts the API on databaseUrl (mainJs: another build of it); resolves once /health answers 200. */
export async function startBenchApi(databaseUrl, env = {}, mainJs = join(ROOT, 'apps/api/dist/main.js')) {
  const port = await freePort();
  const key = `fk_${randomBytes(32).toString('base64url')}`;
  const token = randomBytes(24).toString('hex');
  const artifactDir = mkdtempSync(join(tmpdir(), 'bench-artifacts-'));
  const proc = spawn(process.execPath, [resolve(mainJs)], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: process.env.TEST_REDIS_URL,
      ARTIFACT_DIR: artifactDir,
      AGENT_BOOTSTRAP_TOKEN: token,
      FARM_ADMIN_KEY: key,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 240) throw new Error('the API did not come up');
    await new Promise((r) => setTimeout(r, 250));
  }
  return { base, key, token, artifactDir, stop: () => proc.kill() };
}
