#!/usr/bin/env node
// The main command (npm run farm): the whole farm on the embedded default, with no Docker, no
// Redis and no database to install. It prepares the machine (OpenCV DNN headers from apt when
// missing, npm packages, build), starts embedded Postgres (which also carries the queue, via
// BullMQ's PostgreSQL backend), the API and one desktop agent as separate processes, benchmarks
// the bundled sample (BlazeFace as ONNX and as TFLite) on this desktop under ONNX Runtime,
// TFLite and OpenCV DNN through the CLI, prints the comparison and the dashboard URL, and keeps
// serving until Ctrl-C.
//
//   npm run farm [-- --exit] [-- --runs N]
//   env: FARM_PORT (3000), FARM_PG_PORT (54329), FARM_DIR (.farm)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const exitAfter = args.includes('--exit');
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 50;
if (!Number.isInteger(runs) || runs < 1) fail(`--runs needs a positive integer, got "${args[runsArg + 1]}"`);
const port = Number(process.env.FARM_PORT ?? 3000);
const pgPort = Number(process.env.FARM_PG_PORT ?? 54329);
const farmDir = resolve(root, process.env.FARM_DIR ?? '.farm');
const logDir = join(farmDir, 'logs');

function say(line) {
  process.stdout.write(`[farm] ${line}\n`);
}
function fail(message) {
  process.stderr.write(`[farm] error: ${message}\n`);
  process.exit(1);
}
function sh(cmd, argv, opts = {}) {
  execFileSync(cmd, argv, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

const children = [];
async function shutdown(code) {
  for (const c of children.reverse()) {
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => (c.kill('SIGKILL'), r()), 10_000);
        c.once('exit', () => (clearTimeout(t), r()));
      });
    }
  }
  if (stopPg) await stopPg();
  process.exit(code);
}
let stopPg;

function startProcess(name, script, env) {
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', fd, fd] });
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      process.stderr.write(`[farm] ${name} exited (${signal ?? code}); see ${logPath}\n`);
      void shutdown(1);
    }
  });
  children.push(child);
  return { child, logPath };
}
let shuttingDown = false;

async function waitFor(what, fn, timeoutMs) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    try {
      if (await fn()) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function main() {
  say('checking system packages (OpenCV DNN headers for the native runner)');
  sh('bash', ['scripts/system-deps.sh', '--farm']);
  sh('bash', ['scripts/ensure-node-modules.sh']);
  say('building');
  sh('bash', ['scripts/build.sh']);
  const { fetchSampleModels } = await import(pathToFileURL(join(root, 'scripts/fetch-sample-models.mjs')).href);
  const models = fetchSampleModels();

  say(`starting embedded Postgres on 127.0.0.1:${pgPort} (data in ${join(farmDir, 'pg')})`);
  const { startEmbeddedPostgres } = await import(pathToFileURL(join(root, 'scripts/services/embedded-postgres.mjs')).href);
  const pg = await startEmbeddedPostgres({ dataDir: join(farmDir, 'pg'), port: pgPort, database: 'farm', log: (l) => say(l) });
  stopPg = pg.stop;
  const { applyMigrations } = await import(pathToFileURL(join(root, 'scripts/db/migrate.mjs')).href);
  const applied = await applyMigrations(pg.url);
  say(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema up to date');

  // One agent token for this farm, kept so restarts reuse it; the API stores only its hash.
  const tokenPath = join(farmDir, 'agent-token');
  if (!existsSync(tokenPath)) writeFileSync(tokenPath, randomBytes(24).toString('hex'), { mode: 0o600 });
  const token = readFileSync(tokenPath, 'utf8').trim();
  const apiUrl = `http://127.0.0.1:${port}`;

  const api = startProcess('api', join(root, 'apps/api/dist/main.js'), {
    PORT: String(port),
    DATABASE_URL: pg.url,
    ARTIFACT_DIR: join(farmDir, 'artifacts'),
    AGENT_BOOTSTRAP_TOKEN: token,
  });
  await waitFor('the API', async () => (await fetch(`${apiUrl}/health`)).ok, 60_000).catch((e) => fail(`${e.message}; see ${api.logPath}`));
  say(`API up at ${apiUrl} (queue: BullMQ on PostgreSQL); OpenAPI at ${apiUrl}/docs`);

  const agent = startProcess('agent', join(root, 'device-agents/agent/dist/main.js'), {
    API_URL: apiUrl,
    AGENT_TOKEN: token,
    AGENT_DATA_DIR: join(farmDir, 'agent'),
    DATABASE_URL: pg.url,
    OPENCV_RUNNER: join(root, 'device-agents/opencv-runner/build/opencv_runner'),
  });
  await waitFor('the desktop agent to register', async () => /consuming device\./.test(readFileSync(agent.logPath, 'utf8')), 120_000).catch((e) => fail(`${e.message}; see ${agent.logPath}`));
  const devices = await (await fetch(`${apiUrl}/devices`)).json();
  const local = devices.find((d) => d.transport === 'local' && d.status !== 'offline');
  say(`desktop agent online: ${local?.name} with ${local?.frameworks.map((f) => `${f.framework} ${f.version}`).join(', ')}`);

  say(`benchmarking BlazeFace (ONNX + TFLite) on this desktop, ${runs} timed runs per framework`);
  const cli = spawn(process.execPath, [join(root, 'apps/cli/dist/main.js'), 'bench', models.onnx, models.tflite, '--name', 'BlazeFace (sample)', '--device', local.id, '--runs', String(runs), '--api', apiUrl], { cwd: root, stdio: 'inherit' });
  const code = await new Promise((r) => cli.on('exit', (c) => r(c ?? 1)));
  say(`dashboard: ${apiUrl}/   API docs: ${apiUrl}/docs   logs: ${logDir}`);
  if (exitAfter) {
    shuttingDown = true;
    await shutdown(code);
  }
  say('the farm keeps running; press Ctrl-C to stop it');
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    shuttingDown = true;
    say('stopping');
    void shutdown(0);
  });
}
main().catch((e) => {
  process.stderr.write(`[farm] error: ${e instanceof Error ? e.message : e}\n`);
  shuttingDown = true;
  void shutdown(1);
});
