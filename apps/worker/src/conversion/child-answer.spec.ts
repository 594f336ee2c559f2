import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { readChildAnswer } from './child-answer.js';

test("a child's answer is its last stdout line; logs before it are ignored, a crash leaves none", () => {
  assert.deepEqual(readChildAnswer('warming up\n\n{"ok":true,"report":{"samples":4}}\n'), { ok: true, report: { samples: 4 } });
  assert.deepEqual(readChildAnswer('{"ok":false,"code":"CONVERSION_FAILED","message":"bad graph"}'), {
    ok: false,
    code: 'CONVERSION_FAILED',
    message: 'bad graph',
  });
  assert.equal(readChildAnswer(''), null);
  assert.equal(readChildAnswer('{"ok":true,"rep'), null, 'a child killed while printing');
  assert.equal(readChildAnswer('progress 3/4\n'), null);
});
