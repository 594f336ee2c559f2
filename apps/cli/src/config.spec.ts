/** Unit tests of API URL and key resolution: flag over environment over default, validated once. */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_API_URL, keysFilePath, resolveConfig } from './config.js';

test('--api wins over FARM_API_URL, which wins over the default; trailing slashes dropped', () => {
  assert.equal(resolveConfig({ api: 'http://a:1/' }, { FARM_API_URL: 'http://b:2' }).apiUrl, 'http://a:1');
  assert.equal(resolveConfig({}, { FARM_API_URL: 'http://b:2' }).apiUrl, 'http://b:2');
  assert.equal(resolveConfig({}, {}).apiUrl, DEFAULT_API_URL);
});

test('a URL that is not http(s) is refused with the option it came from', () => {
  assert.throws(
    () => resolveConfig({ api: 'ftp://x' }, {}),
    (e: unknown) => e instanceof ConfigError && /--api "ftp:\/\/x"/.test(e.message),
  );
  assert.throws(() => resolveConfig({}, { FARM_API_URL: 'not a url' }), /FARM_API_URL/);
});

test('the key comes from FARM_API_KEY, else from the keys file entry for that very API URL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
  mkdirSync(join(dir, 'nn-bench-farm'));
  writeFileSync(join(dir, 'nn-bench-farm', 'keys.json'), JSON.stringify({ keys: { 'http://a:1': 'fk_saved' } }));
  const env = { XDG_CONFIG_HOME: dir };
  assert.equal(resolveConfig({ api: 'http://a:1/' }, env).apiKey, 'fk_saved');
  assert.equal(resolveConfig({ api: 'http://a:1' }, { ...env, FARM_API_KEY: 'fk_env' }).apiKey, 'fk_env');
  // Never sent to another API.
  assert.equal(resolveConfig({ api: 'http://b:2' }, env).apiKey, undefined);
  assert.equal(keysFilePath(env), join(dir, 'nn-bench-farm', 'keys.json'));
});

test('a keys file that is not what the CLI writes is refused, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
  mkdirSync(join(dir, 'nn-bench-farm'));
  writeFileSync(join(dir, 'nn-bench-farm', 'keys.json'), '{"keys": [1]}');
  assert.throws(
    () => resolveConfig({}, { XDG_CONFIG_HOME: dir }),
    (e: unknown) => e instanceof ConfigError && /keys\.json must look like/.test(e.message),
  );
});
