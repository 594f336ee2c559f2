import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { deriveRunStatus } from './benchmarks.repository.js';

test('a job waiting for its int8 variant keeps the run unfinished, like a queued one', () => {
  assert.equal(deriveRunStatus({ waiting: 2 }), 'queued');
  assert.equal(deriveRunStatus({ waiting: 1, succeeded: 1 }), 'running');
  assert.equal(deriveRunStatus({ failed: 1, succeeded: 1 }), 'partial');
  assert.equal(deriveRunStatus({ waiting: 1, cancelled: 0 }), 'queued');
});
