/** The agent's credential file: private to its user, for the API it came from only, never half-written. */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialStore } from './credential-store.js';

const cred = { agentId: '6f1c3c52-1d7a-4a55-9d0c-3a4f1f6a0b11', credential: `fa_${'x'.repeat(43)}` };

test('writes a 0600 file that the same API reads back and another API does not', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'cred-')), 'agent');
  const store = new CredentialStore(dir, 'http://127.0.0.1:3000');
  assert.equal(store.read(), null);
  store.write(cred);
  assert.equal(statSync(store.path).mode & 0o777, 0o600);
  assert.deepEqual(store.read(), { apiUrl: 'http://127.0.0.1:3000', ...cred });
  assert.equal(readdirSync(dir).join(','), 'credential.json', 'no temporary file left behind');
  assert.equal(new CredentialStore(dir, 'http://other:3000').read(), null);
  store.clear();
  assert.equal(store.read(), null);
});

test('a file that is not a credential stops the agent with the path to remove', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cred-'));
  writeFileSync(join(dir, 'credential.json'), '{"token": 1}');
  assert.throws(() => new CredentialStore(dir, 'http://a').read(), /credential\.json is not an agent credential file; remove it/);
});
