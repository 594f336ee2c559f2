/**
 * A phone job end to end inside the agent, against a real adb server and an emulated arm64 Android
 * device (test and demo infrastructure): the static arm64 int8-runner on a BlazeFace quantized by
 * the project's quantizer, the device's state before and after, the cooldown gate holding a hot
 * device and recording the wait, a job deadline that kills the runner on the device, and reclaim()
 * ending what a dead agent left running there. No timing here is phone performance, and nothing
 * asserts a speed.
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunnerOutputSchema, EnvironmentSchema } from '@farm/contracts';
import { quantizeOnnx } from '@farm/int8-compiler';
import { AdbTransport } from '@farm/agent/transports/adb.transport';
import { NativeInt8Runner } from '@farm/agent/runners/native-int8.runner';
import { runOnPhone, type PhoneJobSettings } from '@farm/agent/phone/phone-job';
import { synthesizeInputs } from '@farm/agent/runners/input-synthesis';
import { EmulatedAndroidDevice } from '@farm/emulated-android';
import { startAdbServer, type AdbServer } from '../fixtures/adb-server.js';
import { ARM64_INT8_RUNNER, arm64RunnerMissingReason, emulatedAndroidSkipReason, waitFor } from '../fixtures/emulated-android.js';
import { BLAZEFACE_ONNX_INPUTS, BLAZEFACE_ONNX_OUTPUTS, ensureSampleModels, SAMPLE } from '../fixtures/runner-fixtures.js';
import { describeUnless, testUnless } from '../fixtures/skip.js';

const ADB_PORT = 5143;
const DEVICE_PORT = 15720;
const skip = (await emulatedAndroidSkipReason()) || arm64RunnerMissingReason();
const OPTIONS = { threads: 1, warmupRuns: 1, timedRuns: 3, profileRuns: 1, seed: 42 };

describeUnless(skip)('a phone job on an emulated arm64 device behind a real adb server (emulation, not phone performance)', () => {
  let server: AdbServer;
  let phone: EmulatedAndroidDevice;
  let transport: AdbTransport;
  let dir: string;
  let int8Path: string;
  const runner = new NativeInt8Runner(ARM64_INT8_RUNNER);
  const settings: PhoneJobSettings = { cooldown: { thresholdC: 50, timeoutMs: 60_000, pollMs: 300 }, bigCores: false, timeoutMs: 10 * 60_000 };

  beforeAll(async () => {
    ensureSampleModels();
    dir = mkdtempSync(join(tmpdir(), 'phone-job-'));
    const calib = [1, 2].map((seed) => ({
      'input:0': { data: synthesizeInputs(BLAZEFACE_ONNX_INPUTS, seed)[0]!.data as Float32Array, dims: [1, 128, 128, 3] },
    }));
    const { model } = await quantizeOnnx(readFileSync(SAMPLE.blazefaceOnnx), { calibration: 'minmax', inputs: calib });
    int8Path = join(dir, 'blazeface_int8.onnx');
    writeFileSync(int8Path, model);
    phone = await EmulatedAndroidDevice.start({ port: DEVICE_PORT });
    server = await startAdbServer(ADB_PORT);
    assert.equal(await server.connect(phone.serial), 'device');
    transport = new AdbTransport({ host: '127.0.0.1', port: ADB_PORT });
  });

  afterAll(async () => {
    await server?.stop();
    await phone?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const request = (jobId: string) => ({ jobId, modelPath: int8Path, inputs: BLAZEFACE_ONNX_INPUTS, outputs: BLAZEFACE_ONNX_OUTPUTS, options: OPTIONS });

  testUnless(false)('runs the arm64 int8-runner on the device with per-layer times and the device state before and after', async () => {
    const description = await transport.describe(phone.serial);
    const { output, environment } = await runOnPhone({ transport, description }, runner, request('first-job'), settings);
    RunnerOutputSchema.parse(output);
    EnvironmentSchema.parse(environment);
    assert.equal(output.latenciesMs.length, OPTIONS.timedRuns);
    assert.ok(output.layers.length > 10, `${output.layers.length} layers`);
    assert.equal(environment.os, 'Android');
    assert.ok(environment.device, 'a phone result carries the device state');
    assert.equal(environment.device.emulated, true);
    assert.ok(environment.device.before.temperatureC !== null && environment.device.after.temperatureC !== null);
    assert.equal(environment.device.before.battery?.levelPercent, 85);
    assert.ok(environment.device.before.cores.length === description.cores);
    assert.equal(environment.device.cooldown?.waitedMs, 0);
    assert.ok(output.notes.some((n) => /emulat/.test(n)));
    // The workspace is gone; the cache keeps the runner and the plan for the next job.
    const jobsDir = join(phone.rootDir, 'data/local/tmp/farm/jobs');
    expect(readdir(jobsDir)).toEqual([]);
  });

  testUnless(false)('a second job with the same model pushes nothing', async () => {
    const description = await transport.describe(phone.serial);
    const before = phone.counts.syncSends;
    await runOnPhone({ transport, description }, runner, request('second-job'), settings);
    // Input tensors are pushed by content too, and the seed is the same: nothing at all is sent.
    assert.equal(phone.counts.syncSends, before);
  });

  testUnless(false)('input values the request gives reach the runner on the device in the input file it pushes', async () => {
    const description = await transport.describe(phone.serial);
    const given = (jobId: string, seed: number) => ({
      ...request(jobId),
      options: { ...OPTIONS, profileRuns: 0, seed, inputs: { 'input:0': { kind: 'constant' as const, value: 0.05 } } },
    });
    const synthetic = await runOnPhone(
      { transport, description },
      runner,
      { ...request('inputs-synthetic'), options: { ...OPTIONS, profileRuns: 0 } },
      settings,
    );
    const a = await runOnPhone({ transport, description }, runner, given('inputs-given-a', 1), settings);
    const b = await runOnPhone({ transport, description }, runner, given('inputs-given-b', 2), settings);
    assert.notEqual(a.output.outputDigest, synthetic.output.outputDigest, 'the given values, not synthetic ones, were fed');
    assert.equal(a.output.outputDigest, b.output.outputDigest, 'a constant does not depend on the seed');
  });

  testUnless(false)('a hot device waits in the cooldown gate, runs when it cools, and the wait is recorded', async () => {
    const description = await transport.describe(phone.serial);
    phone.forceTemperature(80);
    const mark = phone.counts.shellCommands;
    const cooling: boolean[] = [];
    const job = runOnPhone({ transport, description }, runner, request('hot-job'), settings, { onCooling: (c) => cooling.push(c) });
    await waitFor(() => cooling.includes(true));
    // The gate's own temperature reads may be running at any instant; what must not have started
    // is anything in the job's workspace, which is made only after the gate opens.
    const whileHot = phone.commandsStartedSince(mark);
    assert.ok(whileHot.length > 0, 'the gate read the hot device');
    assert.deepEqual(
      whileHot.filter((c) => c.includes('/farm/jobs/')),
      [],
      'nothing of the job runs while the device is hot',
    );
    phone.forceTemperature(40);
    const { environment } = await job;
    const cooldown = environment.device!.cooldown!;
    assert.equal(cooldown.timedOut, false);
    assert.ok(cooldown.waitedMs > 0);
    assert.equal(cooldown.startTemperatureC, 80);
    assert.ok(cooldown.endTemperatureC! < settings.cooldown.thresholdC);
    assert.deepEqual(cooling, [true, false]);
  });

  testUnless(false)('a device that does not cool in time fails the attempt with the reason, and runs nothing', async () => {
    const description = await transport.describe(phone.serial);
    phone.forceTemperature(90);
    try {
      await assert.rejects(
        runOnPhone({ transport, description }, runner, request('too-hot'), { ...settings, cooldown: { thresholdC: 50, timeoutMs: 1000, pollMs: 200 } }),
        /stayed at 90 °C, above the cooldown threshold of 50 °C/,
      );
    } finally {
      phone.forceTemperature(35);
    }
  });

  testUnless(false)('the job deadline kills the runner on the device', async () => {
    const description = await transport.describe(phone.serial);
    const many = { ...request('deadline'), options: { ...OPTIONS, timedRuns: 10000 } };
    await assert.rejects(runOnPhone({ transport, description }, runner, many, { ...settings, timeoutMs: 3000 }), /timed out and was killed on the device/);
    await waitFor(
      () => phone.runningCommands === 0,
      () => phone.runningCommands,
      20_000,
    );
    assert.equal(runnerProcesses().length, 0, 'no int8-runner left on the device');
  });

  testUnless(false)('reclaim() ends a runner an earlier agent left running and removes its workspace', async () => {
    const ws = await transport.prepare(phone.serial, 'left-behind');
    // An agent that dies mid-job leaves its exec running: start one and never wait for it.
    const orphan = transport.exec(ws, ['/system/bin/sleep', '600']);
    await waitFor(() => readdir(join(phone.rootDir, ws.dir)).some((f) => f.endsWith('.pid')));
    const other = new AdbTransport({ host: '127.0.0.1', port: ADB_PORT });
    assert.equal(await other.reclaim(phone.serial), 1);
    await orphan;
    expect(readdir(join(phone.rootDir, 'data/local/tmp/farm/jobs'))).toEqual([]);
    await waitFor(
      () => phone.runningCommands === 0,
      () => phone.runningCommands,
      20_000,
    );
  });

  /** int8-runner processes inside this device's sandbox (they are host processes under qemu, rooted in the sandbox). */
  function runnerProcesses(): string[] {
    return readdir('/proc').filter((p) => {
      try {
        return /^\d+$/.test(p) && readlinkSync(`/proc/${p}/root`) === phone.rootDir && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('--profile-runs');
      } catch {
        return false;
      }
    });
  }
});

function readdir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
