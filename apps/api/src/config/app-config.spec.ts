import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { loadAppConfig } from './app-config.js';

const base = { DATABASE_URL: 'postgres://u@h/db' };

test('conversion caps: the heap gets half the address space; calibration must fit a quarter of it', () => {
  const c = loadAppConfig({ ...base, CONVERSION_MEMORY_MB: '2048', MAX_CALIBRATION_MB: '64' });
  assert.deepEqual(c.conversion, { memoryBytes: 2048 * 1048576, heapMb: 1024, timeoutMs: 600_000, attempts: 2 });
  assert.equal(c.maxCalibrationBytes, 64 * 1048576);
  assert.throws(
    () => loadAppConfig({ ...base, CONVERSION_MEMORY_MB: '2048', MAX_CALIBRATION_MB: '600' }),
    /MAX_CALIBRATION_MB \(600\) must be at most a quarter/,
  );
  assert.throws(() => loadAppConfig({ ...base, CONVERSION_MEMORY_MB: '512' }), /CONVERSION_MEMORY_MB below 1536/);
});

test('alert webhooks: http(s) URLs, optionally prefixed slack: or json:; anything else stops start-up', () => {
  const c = loadAppConfig({ ...base, ALERT_WEBHOOKS: 'https://a.example/hook, slack:https://hooks.example/T/B' });
  assert.deepEqual(c.alerts.webhooks, [
    { url: 'https://a.example/hook', format: 'json' },
    { url: 'https://hooks.example/T/B', format: 'slack' },
  ]);
  assert.deepEqual(loadAppConfig(base).alerts.webhooks, []);
  assert.throws(() => loadAppConfig({ ...base, ALERT_WEBHOOKS: 'file:///etc/passwd' }), /ALERT_WEBHOOKS: "file:\/\/\/etc\/passwd" is not an http\(s\) URL/);
  assert.throws(() => loadAppConfig({ ...base, ALERT_WEBHOOKS: 'teams:https://x.example' }), /ALERT_WEBHOOKS/);
});
