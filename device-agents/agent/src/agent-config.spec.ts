import assert from 'node:assert/strict';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from '@jest/globals';
import { loadAgentConfig, parseCpuList } from './agent-config.js';

const base = { API_URL: 'http://127.0.0.1:3000', AGENT_BOOTSTRAP_TOKEN: 'x'.repeat(32), REDIS_URL: 'redis://127.0.0.1:6379' };

describe('agent configuration', () => {
  it('caps runner memory by default at three quarters of RAM; RUNNER_MEMORY_LIMIT_MB sets it, 0 turns it off', () => {
    assert.equal(loadAgentConfig(base).runnerSettings.memoryLimitMb, Math.floor((totalmem() * 0.75) / 2 ** 20));
    assert.equal(loadAgentConfig({ ...base, RUNNER_MEMORY_LIMIT_MB: '2048' }).runnerSettings.memoryLimitMb, 2048);
    assert.equal(loadAgentConfig({ ...base, RUNNER_MEMORY_LIMIT_MB: '0' }).runnerSettings.memoryLimitMb, undefined);
    assert.throws(() => loadAgentConfig({ ...base, RUNNER_MEMORY_LIMIT_MB: '-1' }), /RUNNER_MEMORY_LIMIT_MB/);
  });

  it('leaves runners unpinned unless RUNNER_CPUS is set', () => {
    assert.equal(loadAgentConfig(base).runnerSettings.cpus, undefined);
  });

  it('normalises RUNNER_CPUS to a sorted, distinct list', () => {
    assert.deepEqual(parseCpuList('3,0-2,1'), [0, 1, 2, 3]);
    assert.equal(loadAgentConfig({ ...base, RUNNER_CPUS: '0,0-0' }).runnerSettings.cpus, '0');
  });

  it('refuses malformed lists, reversed ranges and CPUs this machine lacks, naming the setting', () => {
    assert.throws(() => loadAgentConfig({ ...base, RUNNER_CPUS: 'cpu1' }), /RUNNER_CPUS must be a CPU list/);
    assert.throws(() => loadAgentConfig({ ...base, RUNNER_CPUS: '1;rm -rf /' }), /RUNNER_CPUS must be a CPU list/);
    assert.throws(() => loadAgentConfig({ ...base, RUNNER_CPUS: '1-0' }), /RUNNER_CPUS: "1-0" is a reversed range/);
    const missing = cpus().length;
    assert.throws(() => loadAgentConfig({ ...base, RUNNER_CPUS: String(missing) }), new RegExp(`RUNNER_CPUS: CPU ${missing} does not exist`));
  });

  it('carries the Android tool paths as absolute host paths and refuses one that is not a file', () => {
    const here = fileURLToPath(import.meta.url);
    const s = loadAgentConfig({
      ...base,
      ANDROID_TFLITE_BENCHMARK_MODEL: here,
      ANDROID_ORT_PERF_TEST: here,
      ANDROID_INT8_RUNNER: 'x/int8-runner',
    }).runnerSettings;
    assert.equal(s.androidTfliteBenchmarkModel, here);
    assert.equal(s.androidOrtPerfTest, here);
    assert.equal(s.androidInt8RunnerBinary, resolve('x/int8-runner'));
    assert.equal(loadAgentConfig(base).runnerSettings.androidTfliteBenchmarkModel, undefined);
    assert.throws(() => loadAgentConfig({ ...base, ANDROID_ORT_PERF_TEST: '/no/such/onnxruntime_perf_test' }), /ANDROID_ORT_PERF_TEST: .* is not a file/);
  });

  it('reads the adb server address, 127.0.0.1:5037 by default, and refuses a bad port', () => {
    assert.deepEqual(loadAgentConfig(base).adbServer, { host: '127.0.0.1', port: 5037 });
    assert.deepEqual(loadAgentConfig({ ...base, ADB_SERVER_HOST: 'adb-host', ADB_SERVER_PORT: '5137' }).adbServer, { host: 'adb-host', port: 5137 });
    assert.throws(() => loadAgentConfig({ ...base, ADB_SERVER_PORT: '70000' }), /ADB_SERVER_PORT/);
  });
});
