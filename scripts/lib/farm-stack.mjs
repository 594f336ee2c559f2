// Starts the farm on the embedded default: embedded Postgres (database and, through BullMQ's
// PostgreSQL backend, the queue), the API and one desktop agent as separate processes, with
// logs under <farmDir>/logs. Used by the main command (scripts/farm.mjs) and by bench scripts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

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

/**
 * @param {{ farmDir: string, port: number, pgPort: number, log: (line: string) => void, onExit?: (name: string, logPath: string) => void, agentEnv?: Record<string, string> }} o  agentEnv: extra agent settings (e.g. RUNNER_CPUS)
 * @returns {Promise<{ apiUrl: string, device: any, logDir: string, pgDataDir: string, stop: () => Promise<void> }>}
 */
export async function startFarmStack({ farmDir, port, pgPort, log, onExit, agentEnv = {} }) {
  const logDir = join(farmDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const children = [];
  let stopping = false;
  const startProcess = (name, script, env) => {
    const logPath = join(logDir, `${name}.log`);
    const fd = openSync(logPath, 'a');
    // Logs are appended across runs; what this start wrote begins here.
    const logStart = fstatSync(fd).size;
    const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', fd, fd] });
    child.on('exit', () => {
      if (!stopping) onExit?.(name, logPath);
    });
    children.push(child);
    return { child, logPath, ownLog: () => readFileSync(logPath).subarray(logStart).toString('utf8') };
  };

  log(`starting embedded Postgres on 127.0.0.1:${pgPort} (data in ${join(farmDir, 'pg')})`);
  const { startEmbeddedPostgres } = await import(pathToFileURL(join(root, 'scripts/services/embedded-postgres.mjs')).href);
  const pg = await startEmbeddedPostgres({ dataDir: join(farmDir, 'pg'), port: pgPort, database: 'farm', log });
  const stop = async () => {
    stopping = true;
    for (const c of [...children].reverse()) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      c.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => (c.kill('SIGKILL'), r()), 10_000);
        c.once('exit', () => (clearTimeout(t), r()));
      });
    }
    await pg.stop();
  };
  try {
    const { applyMigrations } = await import(pathToFileURL(join(root, 'scripts/db/migrate.mjs')).href);
    const applied = await applyMigrations(pg.url);
    log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema up to date');

    // One agent token per farm, kept so restarts reuse it; the API stores only its hash.
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
    await waitFor(`the API (see ${api.logPath})`, async () => (await fetch(`${apiUrl}/health`)).ok, 60_000);
    log(`API up at ${apiUrl} (queue: BullMQ on PostgreSQL); OpenAPI at ${apiUrl}/docs`);

    const agent = startProcess('agent', join(root, 'device-agents/agent/dist/main.js'), {
      API_URL: apiUrl,
      AGENT_TOKEN: token,
      AGENT_DATA_DIR: join(farmDir, 'agent'),
      DATABASE_URL: pg.url,
      OPENCV_RUNNER: join(root, 'device-agents/opencv-runner/build/opencv_runner'),
      ...agentEnv,
    });
    await waitFor(`the desktop agent to register (see ${agent.logPath})`, async () => /consuming device\./.test(agent.ownLog()), 120_000);
    const devices = await (await fetch(`${apiUrl}/devices`)).json();
    const device = devices.find((d) => d.transport === 'local' && d.status !== 'offline');
    if (!device) throw new Error('the desktop agent registered no online device');
    log(`desktop agent online: ${device.name} with ${device.frameworks.map((f) => `${f.framework} ${f.version}`).join(', ')}`);
    return { apiUrl, device, logDir, pgDataDir: pg.dataDir, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
