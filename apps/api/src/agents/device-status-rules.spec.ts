import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { heartbeatStatus, registeredStatus, unreachablePlatform } from './device-status-rules.js';

test('a heartbeat never makes an unauthorized or offline device usable', () => {
  for (const current of ['unauthorized', 'offline'] as const) {
    assert.equal(heartbeatStatus(current, { busy: false, cooling: false }), current);
    assert.equal(heartbeatStatus(current, { busy: true, cooling: true }), current);
  }
});

test('cooling is shown while the device waits in the gate, busy while the job runs, online otherwise', () => {
  assert.equal(heartbeatStatus('online', { busy: true, cooling: true }), 'cooling');
  assert.equal(heartbeatStatus('cooling', { busy: true, cooling: false }), 'busy');
  assert.equal(heartbeatStatus('busy', { busy: false, cooling: false }), 'online');
  assert.equal(heartbeatStatus('online', { busy: false, cooling: true }), 'cooling');
});

test('a registration keeps a running or cooling job visible and revives anything else', () => {
  assert.equal(registeredStatus('busy'), 'busy');
  assert.equal(registeredStatus('cooling'), 'cooling');
  assert.equal(registeredStatus('unauthorized'), 'online');
  assert.equal(registeredStatus('offline'), 'online');
  assert.equal(registeredStatus(undefined), 'online');
});

test('a device nothing could be read from gets its platform from its transport', () => {
  assert.equal(unreachablePlatform('adb'), 'android');
  assert.equal(unreachablePlatform('appium'), 'ios');
});
