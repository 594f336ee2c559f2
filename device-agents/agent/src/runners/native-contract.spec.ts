// Both native runner programs speak the one contract of libs/contracts/src/native-runner.schema.ts:
// the same --version answer, the same error line on stderr and the same exit statuses for the
// same kinds of failure. Real binaries, run through the real local transport.
import assert from 'node:assert/strict';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from '@jest/globals';
import { NATIVE_RUNNER_EXIT, nativeRunnerErrorKind, NativeRunnerErrorSchema, NativeRunnerVersionSchema } from '@farm/contracts';
import { describeUnless } from '../../../../test/fixtures/skip.js';
import { ensureOpencvRunner, LOCAL_TRANSPORT, localDevice, tempDir, writeGarbage } from '../../../../test/fixtures/runner-fixtures.js';
import { DEFAULT_INT8_RUNNER_BINARY } from './native-int8.runner.js';
import type { DeviceTarget } from './runner.js';

function int8Skip(): false | string {
  if (existsSync(DEFAULT_INT8_RUNNER_BINARY)) return false;
  const msg = `SKIPPED: int8-runner is not built at ${DEFAULT_INT8_RUNNER_BINARY}; run device-agents/native/build.sh first`;
  console.warn(`\n*** ${msg} ***\n`);
  return msg;
}

describeUnless(int8Skip())('native runner contract (opencv_runner and int8-runner)', () => {
  let device: DeviceTarget;
  let dir: string;
  let programs: { runner: string; binary: string; garbageModel: string }[];
  beforeAll(async () => {
    device = await localDevice();
    dir = tempDir();
    const garbageJson = join(dir, 'garbage.plan.json');
    writeFileSync(garbageJson, '{"format": "not-a-plan"}');
    programs = [
      { runner: 'opencv_runner', binary: ensureOpencvRunner(), garbageModel: writeGarbage(dir, 'garbage.onnx') },
      { runner: 'int8-runner', binary: DEFAULT_INT8_RUNNER_BINARY, garbageModel: garbageJson },
    ];
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await LOCAL_TRANSPORT.cleanup(device.workspace);
  });

  const exec = (argv: string[]) => device.transport.exec(device.workspace, argv, { timeoutMs: 60_000 });
  /** One tiny input and the contract's flags, with --runs as given. */
  const runOnce = (p: (typeof programs)[number], runs: string) => {
    const input = join(dir, 'in.bin');
    writeFileSync(input, new Uint8Array(4));
    const flags = ['--input', `x:1:${input}`, '--warmup', '0', '--runs', runs, '--profile-runs', '0', '--threads', '1'];
    return exec([p.binary, '--model', p.garbageModel, ...flags]);
  };
  const errorOf = (stderr: string) => NativeRunnerErrorSchema.parse(JSON.parse(stderr.trim().split('\n').pop()!)).error;

  it('--version names the program and its engine version', async () => {
    for (const p of programs) {
      const r = await exec([p.binary, '--version']);
      assert.equal(r.exitCode, 0, r.stderr);
      const v = NativeRunnerVersionSchema.parse(JSON.parse(r.stdout));
      assert.equal(v.runner, p.runner);
    }
  });

  it('a request it refuses: bad_arguments on stderr, exit 3, nothing on stdout', async () => {
    for (const p of programs) {
      const r = await runOnce(p, 'many');
      assert.equal(r.exitCode, NATIVE_RUNNER_EXIT.badRequest, `${p.runner}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const e = errorOf(r.stderr);
      assert.equal(e.code, 'bad_arguments');
      assert.match(e.message, /--runs/);
    }
  });

  it('a model it cannot run: a model error code, exit 2', async () => {
    for (const p of programs) {
      const r = await runOnce(p, '1');
      assert.equal(r.exitCode, NATIVE_RUNNER_EXIT.modelRejected, `${p.runner}: ${r.stderr}`);
      assert.equal(nativeRunnerErrorKind(errorOf(r.stderr).code), 'model', r.stderr);
    }
  });
});
