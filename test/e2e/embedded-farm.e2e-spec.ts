/**
 * The README's main command on the embedded default (embedded Postgres, BullMQ's PostgreSQL
 * backend, no Redis), run as a user runs it, with --exit so it ends: it must print results
 * from all three frameworks for the sample model and the dashboard URL.
 */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ROOT } from '../fixtures/stack.js';

async function runFarm(env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/farm.mjs'), '--exit', '--runs', '10'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  assert.equal(code, 0, out);
  return out;
}

function assertAllThree(out: string): void {
  for (const fw of ['onnxruntime', 'tflite', 'opencv-dnn']) {
    assert.match(out, new RegExp(`^${fw}\\s+\\S.*\\s10\\s+.*conv \\d+%`, 'm'), `a result row for ${fw} with op-class shares`);
    assert.match(out, new RegExp(`^${fw}\\s+.*\\d \\[\\d+\\.?\\d*, \\d+\\.?\\d*\\]`, 'm'), `${fw}: median with its CI`);
  }
  // Three frameworks on one device: three pairwise verdict lines.
  const verdicts = out
    .split('\n')
    .filter((l) => /^ {2}\S.*: .* (is (faster|slower) than .* by \d+% \[\d+%, \d+%\]|vs .*: no detectable difference \(ratio .*\))$/.test(l));
  assert.equal(verdicts.length, 3, out);
  assert.match(out, /succeeded \(3 succeeded, 0 failed/);
  assert.match(out, /dashboard: http:\/\/127\.0\.0\.1:\d+\/\?modelId=[0-9a-f-]{36}/);
}

test('npm run farm -- --exit benchmarks the sample under ONNX Runtime, TFLite and OpenCV DNN, and again on the same farm', async () => {
  const farmDir = mkdtempSync(join(tmpdir(), 'farm-main-'));
  // The farm saves its key for the CLI under XDG_CONFIG_HOME: a folder of the test's, not the user's.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FARM_DIR: farmDir,
    FARM_PORT: String(await freePort()),
    FARM_PG_PORT: String(await freePort()),
    XDG_CONFIG_HOME: join(farmDir, 'config'),
  };
  delete env.REDIS_URL;
  delete env.FARM_API_KEY;
  const first = await runFarm(env);
  assert.match(first, /queue: BullMQ on PostgreSQL/);
  // On 2+ CPUs the main command keeps one for the runners and says so; on one CPU it says it cannot.
  assert.match(first, cpus().length >= 2 ? /reserved CPU \d+ for the benchmark runners \(RUNNER_CPUS=\d+\)/ : /one CPU: runners share it/);
  assertAllThree(first);
  // Nothing typed, yet writes need a key: the farm made one, gave it to the CLI (which uploaded and
  // benchmarked above) and to the dashboard, in the URL fragment.
  const key = readFileSync(join(farmDir, 'api-key'), 'utf8').trim();
  assert.match(key, /^fk_/);
  assert.ok(first.includes(`#key=${key}`), 'the dashboard URL carries the key in its fragment');
  const saved = JSON.parse(readFileSync(join(farmDir, 'config', 'nn-bench-farm', 'keys.json'), 'utf8')) as { keys: Record<string, string> };
  assert.deepEqual(Object.values(saved.keys), [key]);
  assert.equal(statSync(join(farmDir, 'api-key')).mode & 0o777, 0o600);
  // The second start reuses the database, the artifacts and the (appended) logs of the first.
  const second = await runFarm(env);
  assert.match(second, /already uploaded/);
  assertAllThree(second);
});
