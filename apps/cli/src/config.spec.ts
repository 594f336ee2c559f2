/** Unit tests of API URL resolution: flag over environment over default, validated once. */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_API_URL, resolveConfig } from './config.js';

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
