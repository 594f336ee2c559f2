import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { jobWait, type WaitInput } from './job-wait.js';

const base: WaitInput = {
  status: 'queued',
  errorCode: null,
  errorMessage: null,
  conversionId: null,
  device: { name: 'pixel-7', lastHeartbeatAt: new Date('2026-01-01T00:00:00Z') },
  deviceStatus: 'online',
  ahead: 2,
};

describe('jobWait', () => {
  it('says why a job is not running, most pressing reason first', () => {
    assert.equal(jobWait({ ...base, status: 'waiting', conversionId: 'c1' }, 3_600_000)!.reason, 'conversion');
    const offline = jobWait({ ...base, deviceStatus: 'offline' }, 3_600_000)!;
    assert.equal(offline.reason, 'device_offline');
    assert.match(offline.message, /pixel-7 is offline \(last heartbeat 2026-01-01T00:00:00.000Z\).*DEVICE_ABANDONED.*60 min/);
    assert.deepEqual(jobWait({ ...base, errorCode: 'RUNNER_FAILED', errorMessage: 'exit 3' }, 1)!.reason, 'retry');
    assert.deepEqual(jobWait(base, 1), { reason: 'queue', queuePosition: 2, deviceStatus: 'online', message: '2 job(s) ahead of it on pixel-7' });
    assert.equal(jobWait({ ...base, status: 'running' }, 1), null);
    assert.equal(jobWait({ ...base, status: 'running', deviceStatus: 'offline' }, 1)!.reason, 'device_offline');
    for (const s of ['succeeded', 'failed', 'cancelled'] as const) assert.equal(jobWait({ ...base, status: s, deviceStatus: 'offline' }, 1), null);
  });
});
