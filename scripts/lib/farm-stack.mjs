// Starts the farm on the embedded default: embedded Postgres (database and, through BullMQ's
// PostgreSQL backend, the queue), the API, the worker (schedules, maintenance, quantization) and
// one desktop agent as separate processes, with logs under <farmDir>/logs. Used by the main command (scripts/farm.mjs) and by bench scripts.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A secret kept in the farm dir (mode 0600) so restarts reuse it; the API stores only its hash. */
function farmSecret(path, prefix = '') {
  if (!existsSync(path)) writeFileSync(path, `${prefix}${randomBytes(32).toString('base64url')}`, { mode: 0o600 });
  return readFileSync(path, 'utf8').trim();
}

/**
 * Saves the farm's key for its URL in the CLI's keys file (apps/cli/src/config.ts reads it), so
 * `farm ...` typed later needs nothing either. One entry per API URL: a key never goes to another farm.
 */
export function saveCliKey(apiUrl, key, env = process.env) {
  const dir = join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'nn-bench-farm');
  const path = join(dir, 'keys.json');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let file = { keys: {} };
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
    file.keys ??= {};
  } catch {
    /* new or unreadable: start afresh */
  }
  file.keys[apiUrl] = key;
  writeFileSync(path, JSON.stringify(file, null, 2), { mode: 0o600 });
  return path;
}

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
 * With `android: { count, basePort, adbPort }` it also starts `count` emulated arm64 phones (test
 * and demo infrastructure, device-agents/emulated-android) and a farm-owned adb server on adbPort
 * (its key under <farmDir>/adb, never a user's server on 5037), connects them, and waits until the
 * agent has registered them; `phones` then lists them.
 *
 * @param {{ farmDir: string, port: number, pgPort: number, log: (line: string) => void, onExit?: (name: string, logPath: string) => void, agentEnv?: Record<string, string>, android?: { count: number, basePort: number, adbPort: number } }} o  agentEnv: extra agent settings (e.g. RUNNER_CPUS)
 * The API gets an admin key (FARM_ADMIN_KEY, kept in <farmDir>/api-key) that the caller hands to the
 * CLI and the dashboard; the agent gets the bootstrap token and enrolls itself.
 * @returns {Promise<{ apiUrl: string, apiKey: string, device: any, phones: any[], logDir: string, pgDataDir: string, stop: () => Promise<void> }>}
 */
export async function startFarmStack({ farmDir, port, pgPort, log, onExit, agentEnv = {}, android }) {
  const logDir = join(farmDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const children = [];
  let stopping = false;
  const startProcess = (name, script, env, argv = []) => {
    const logPath = join(logDir, `${name}.log`);
    const fd = openSync(logPath, 'a');
    // Logs are appended across runs; what this start wrote begins here.
    const logStart = fstatSync(fd).size;
    const child = spawn(process.execPath, [script, ...argv], { cwd: root, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', fd, fd] });
    child.on('exit', () => {
      if (!stopping) onExit?.(name, logPath);
    });
    children.push(child);
    return { child, logPath, ownLog: () => readFileSync(logPath).subarray(logStart).toString('utf8') };
  };

  log(`starting embedded Postgres on 127.0.0.1:${pgPort} (data in ${join(farmDir, 'pg')})`);
  const { startEmbeddedPostgres } = await import(pathToFileURL(join(root, 'scripts/services/embedded-postgres.mjs')).href);
  const pg = await startEmbeddedPostgres({ dataDir: join(farmDir, 'pg'), port: pgPort, database: 'farm', log });
  const adbHome = join(farmDir, 'adb');
  const adbEnv = { ...process.env, HOME: adbHome, ANDROID_SDK_HOME: adbHome, TMPDIR: adbHome };
  const adb = (argv) => execFileSync('adb', ['-P', String(android.adbPort), ...argv], { env: adbEnv, encoding: 'utf8', timeout: 60_000 });
  let adbStarted = false;
  const stop = async () => {
    stopping = true;
    if (adbStarted) {
      try {
        adb(['kill-server']);
      } catch {
        /* already gone */
      }
    }
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

    // One bootstrap token and one admin key per farm, kept so restarts reuse them.
    const token = farmSecret(join(farmDir, 'agent-token'));
    const apiKey = farmSecret(join(farmDir, 'api-key'), 'fk_');
    const apiUrl = `http://127.0.0.1:${port}`;
    const getJson = async (path) => (await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${apiKey}` } })).json();

    const api = startProcess('api', join(root, 'apps/api/dist/main.js'), {
      PORT: String(port),
      DATABASE_URL: pg.url,
      ARTIFACT_DIR: join(farmDir, 'artifacts'),
      AGENT_BOOTSTRAP_TOKEN: token,
      FARM_ADMIN_KEY: apiKey,
    });
    await waitFor(`the API (see ${api.logPath})`, async () => (await fetch(`${apiUrl}/health`)).ok, 60_000);
    log(`API up at ${apiUrl} (queue: BullMQ on PostgreSQL); OpenAPI at ${apiUrl}/docs`);

    // Same database, queue and artifact directory as the API: it makes the variants the API stores.
    const worker = startProcess('worker', join(root, 'apps/worker/dist/main.js'), {
      DATABASE_URL: pg.url,
      ARTIFACT_DIR: join(farmDir, 'artifacts'),
    });
    await waitFor(
      `the worker (see ${worker.logPath})`,
      async () => {
        if (worker.child.exitCode !== null) throw new Error(`the worker did not start: ${worker.ownLog().trim()}`);
        return /worker processing queues/.test(worker.ownLog());
      },
      60_000,
    );
    log('worker up (job reconciler, int8 quantization in a capped child process)');

    const serials = [];
    if (android) {
      log(
        `starting ${android.count} emulated arm64 Android phone(s) on ports ${android.basePort}-${android.basePort + android.count - 1} (test and demo infrastructure: their timings are emulation under qemu, not phone performance)`,
      );
      const phones = startProcess('emulated-android', join(root, 'device-agents/emulated-android/dist/main.js'), {}, [
        '--count',
        String(android.count),
        '--base-port',
        String(android.basePort),
      ]);
      await waitFor(
        `the emulated phones (see ${phones.logPath})`,
        async () => {
          if (phones.child.exitCode !== null) throw new Error(`the emulated phones did not start: ${phones.ownLog().trim()}`);
          const lines = phones
            .ownLog()
            .split('\n')
            .filter((l) => /^[\d.]+:\d+$/.test(l.trim()));
          if (lines.length < android.count) return false;
          serials.push(...lines.map((l) => l.trim()));
          return true;
        },
        60_000,
      );
      mkdirSync(adbHome, { recursive: true });
      adb(['start-server']);
      adbStarted = true;
      for (const serial of serials) adb(['connect', serial]);
      log(`adb server on 127.0.0.1:${android.adbPort} (farm-owned) connected to ${serials.join(', ')}`);
    }

    const agent = startProcess('agent', join(root, 'device-agents/agent/dist/main.js'), {
      API_URL: apiUrl,
      AGENT_BOOTSTRAP_TOKEN: token,
      AGENT_DATA_DIR: join(farmDir, 'agent'),
      DATABASE_URL: pg.url,
      OPENCV_RUNNER: join(root, 'device-agents/opencv-runner/build/opencv_runner'),
      ...(android ? { ANDROID: 'on', ADB_SERVER_PORT: String(android.adbPort) } : {}),
      ...agentEnv,
    });
    await waitFor(`the desktop agent to register (see ${agent.logPath})`, async () => /consuming device\./.test(agent.ownLog()), 120_000);
    const devices = (await getJson('/devices?limit=1000')).items;
    const device = devices.find((d) => d.transport === 'local' && d.status !== 'offline');
    if (!device) throw new Error('the desktop agent registered no online device');
    log(`desktop agent online: ${device.name} with ${device.frameworks.map((f) => `${f.framework} ${f.version}`).join(', ')}`);
    let phones = [];
    if (android) {
      await waitFor(
        `${serials.length} emulated phone(s) online (see ${agent.logPath})`,
        async () => {
          const list = (await getJson('/devices?limit=1000')).items;
          phones = list.filter((d) => serials.includes(d.serial) && d.status === 'online' && d.frameworks.length > 0);
          return phones.length === serials.length;
        },
        120_000,
      );
      for (const p of phones)
        log(
          `phone online: ${p.name} [${p.emulated ? 'EMULATED' : 'hardware'}] ${p.soc ?? ''} with ${p.frameworks.map((f) => `${f.framework} ${f.version}`).join(', ')}`,
        );
    }
    return { apiUrl, apiKey, device, phones, logDir, pgDataDir: pg.dataDir, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
