// The ncnn runner's wiring, which needs no NCNN: probing leaves ncnn out quietly where the binary
// is absent, the registry builds it from the settings map, NCNN_RUNNER reaches that map. The real
// ncnn-runner is exercised in test/integration/ncnn-runner.int-spec.ts (skipped without NCNN).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it, jest } from '@jest/globals';
import { loadAgentConfig } from '../agent-config.js';
import { NcnnRunner } from './ncnn.runner.js';
import { desktopRunner, desktopRunners, probeFrameworks } from './registry.js';
import { RunnerError, type DeviceTarget } from './runner.js';
import { LOCAL_TRANSPORT, localDevice, QUICK } from '../../../../test/fixtures/runner-fixtures.js';

describe('NcnnRunner wiring', () => {
  let device: DeviceTarget;
  beforeAll(async () => {
    device = await localDevice();
  });
  afterAll(async () => {
    await LOCAL_TRANSPORT.cleanup(device.workspace);
  });

  it('probes to null (no throw) when the binary is absent, and the probe of all runners leaves ncnn out', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      assert.equal(await new NcnnRunner('/nonexistent/ncnn-runner').probe(device), null);
      const ncnnOnly = desktopRunners({ ncnnRunnerBinary: '/nonexistent/ncnn-runner' }).filter((r) => r.framework === 'ncnn');
      assert.deepEqual(await probeFrameworks(ncnnOnly, device), []);
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a job without the .bin, and reports a missing binary as unavailable', async () => {
    // Any existing files do: the missing binary is found before they are read.
    const here = fileURLToPath(import.meta.url);
    const req = { device, modelPath: here, inputs: [], outputs: [], options: QUICK };
    await assert.rejects(new NcnnRunner('/nonexistent/ncnn-runner').run(req), (e: unknown) => e instanceof RunnerError && e.code === 'VALIDATION_FAILED');
    await assert.rejects(
      new NcnnRunner('/nonexistent/ncnn-runner').run({ ...req, weightsPath: here }),
      (e: unknown) => e instanceof RunnerError && e.code === 'RUNNER_UNAVAILABLE',
    );
  });

  it('is registered for the ncnn format, its binary from NCNN_RUNNER', () => {
    const runner = desktopRunner('ncnn');
    assert.deepEqual(runner.formats, ['ncnn']);
    const config = loadAgentConfig({
      API_URL: 'http://127.0.0.1:1',
      AGENT_TOKEN: 'x'.repeat(32),
      REDIS_URL: 'redis://127.0.0.1:1',
      NCNN_RUNNER: '/opt/ncnn-runner',
    });
    assert.equal(config.runnerSettings.ncnnRunnerBinary, '/opt/ncnn-runner');
  });
});
