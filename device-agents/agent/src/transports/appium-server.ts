/**
 * The Appium server an agent starts for its iPhones when no APPIUM_URL is given: npm `appium`
 * (a dependency of the agent, so no global install) with a project-local APPIUM_HOME, where the
 * operator installs the XCUITest driver once (`APPIUM_HOME=... npx appium driver install xcuitest`).
 * The agent owns the process: it is stopped with the agent. If it dies, the transport sees /status
 * fail and reports every device offline until it answers again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface AppiumServerHandle {
  url: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

export async function startAppiumServer(opts: { home: string; port: number; startTimeoutMs?: number }): Promise<AppiumServerHandle> {
  mkdirSync(opts.home, { recursive: true });
  const main = join(dirname(require.resolve('appium/package.json')), 'index.js');
  const url = `http://127.0.0.1:${opts.port}`;
  const child: ChildProcess = spawn(process.execPath, [main, 'server', '--address', '127.0.0.1', '--port', String(opts.port), '--log-level', 'warn'], {
    env: { ...process.env, APPIUM_HOME: opts.home },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`appium exited with ${child.exitCode} before answering on ${url}`);
    const up = await fetch(`${url}/status`)
      .then((r) => r.ok)
      .catch(() => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`appium did not answer on ${url} within ${opts.startTimeoutMs ?? 60_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
