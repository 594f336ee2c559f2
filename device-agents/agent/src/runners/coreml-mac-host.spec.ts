/**
 * A Mac agent's Core ML path: the host's command-line target (device-agents/ios-host/CONTRACT.md)
 * run by the desktop's local transport. No Mac or Core ML exists here, so it is exercised with the
 * project's stand-in host in its command-line mode, which runs the REAL opencv_runner and names
 * its engine "opencv-dnn": the Core ML runner must not claim it, and the same host under its real
 * engine's name runs through the local transport end to end (report on stdout, error on stderr).
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { RunnerOutputSchema } from '@farm/contracts';
import { loadAgentConfig } from '../agent-config.js';
import { HostAppRunner } from './host-app.runner.js';
import { desktopRunners } from './registry.js';
import { RunnerError, type DeviceTarget } from './runner.js';
import {
  assertLayerSamples,
  BLAZEFACE_ONNX_INPUTS,
  BLAZEFACE_ONNX_OUTPUTS,
  ensureOpencvRunner,
  ensureSampleModels,
  LOCAL_TRANSPORT,
  localDevice,
  QUICK,
  SAMPLE,
  tempDir,
} from '../../../../test/fixtures/runner-fixtures.js';

const STANDIN_SCRIPT = resolve(fileURLToPath(import.meta.url), '../../../../appium-test-driver/test-app/FarmHostStandIn.app/host.mjs');
const base = { API_URL: 'http://127.0.0.1:3000', AGENT_BOOTSTRAP_TOKEN: 'x'.repeat(32), REDIS_URL: 'redis://127.0.0.1:6379' };

describe('Core ML on a Mac agent: COREML_HOST through the local transport (stand-in host, real OpenCV engine)', () => {
  let device: DeviceTarget;
  let dir: string;
  /** The "farm-coreml-host" of this test: a fixed launcher for the stand-in with its engine (the local transport passes no environment of its own). */
  let STANDIN: string;
  beforeAll(async () => {
    ensureSampleModels();
    device = await localDevice();
    dir = tempDir();
    STANDIN = join(dir, 'farm-coreml-host-standin');
    writeFileSync(STANDIN, `#!/bin/sh\nFARM_STANDIN_ENGINE='${ensureOpencvRunner()}' exec '${process.execPath}' '${STANDIN_SCRIPT}' "$@"\n`, { mode: 0o755 });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await LOCAL_TRANSPORT.cleanup(device.workspace);
  });

  it('COREML_HOST is accepted on macOS only, and must be an executable file', () => {
    const cfg = loadAgentConfig({ ...base, COREML_HOST: STANDIN }, 'darwin');
    assert.equal(cfg.runnerSettings.coremlHost, STANDIN);
    assert.throws(
      () => loadAgentConfig({ ...base, COREML_HOST: STANDIN }, 'linux'),
      /COREML_HOST: the Core ML host runs on macOS only, and this agent runs on linux/,
    );
    assert.throws(() => loadAgentConfig({ ...base, COREML_HOST: join(dir, 'missing') }, 'darwin'), /COREML_HOST: .*missing does not exist/);
    const plain = join(dir, 'not-executable');
    copyFileSync(STANDIN, plain);
    chmodSync(plain, 0o644);
    assert.throws(() => loadAgentConfig({ ...base, COREML_HOST: plain }, 'darwin'), /COREML_HOST: .* is not an executable file/);
    assert.equal(loadAgentConfig(base, 'darwin').runnerSettings.coremlHost, undefined);
  });

  it('the desktop offers coreml only through a configured host, and not when the host runs another engine', async () => {
    assert.ok(!desktopRunners({}).some((r) => r.framework === 'coreml'), 'no COREML_HOST: no coreml runner');
    const coreml = desktopRunners({ coremlHost: STANDIN }).find((r) => r.framework === 'coreml');
    assert.ok(coreml instanceof HostAppRunner && coreml.transports.includes('local'));
    // The stand-in names opencv-dnn as its engine (the next test reads it): the Core ML runner stays silent rather than offer it as Core ML.
    assert.equal(await coreml.probe(device), null);
    await assert.rejects(
      coreml.run({ device, modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: BLAZEFACE_ONNX_OUTPUTS, options: QUICK }),
      (e: unknown) => e instanceof RunnerError && /ran opencv-dnn, not coreml/.test(e.message),
    );
  });

  it('the command-line contract through the local transport: a real engine run, its report from stdout, its error from stderr', async () => {
    const host = new HostAppRunner('opencv-dnn', ['onnx'], STANDIN);
    const v = await host.probe(device);
    assert.match(v!.version, /^farm-test-host-standin opencv_runner /);
    const out = await host.run({ device, modelPath: SAMPLE.blazefaceOnnx, inputs: BLAZEFACE_ONNX_INPUTS, outputs: BLAZEFACE_ONNX_OUTPUTS, options: QUICK });
    RunnerOutputSchema.parse(out);
    assert.equal(out.framework, 'opencv-dnn');
    assert.equal(out.latenciesMs.length, QUICK.timedRuns);
    assert.ok(out.layers.length > 50 && out.layers.some((l) => l.opType === 'Convolution'));
    // The stand-in's layers are measured (OpenCV's profiler), so their per-run samples come through.
    assertLayerSamples(out.layers, out.profiledRuns);
    assert.ok(
      out.notes.some((n) => /\(stand-in host\)/.test(n)),
      out.notes.join('; '),
    );
    assert.match(out.outputDigest, /^[0-9a-f]{64}$/);
    // A request the host refuses comes back as the contract's error line, permanent.
    await assert.rejects(
      host.run({
        device,
        modelPath: SAMPLE.blazefaceOnnx,
        inputs: BLAZEFACE_ONNX_INPUTS,
        outputs: BLAZEFACE_ONNX_OUTPUTS,
        options: { ...QUICK, computeUnits: 'cpuOnly' },
      }),
      (e: unknown) => e instanceof RunnerError && e.permanent && /no --compute-units/.test(e.message),
    );
  });
});
