import { afterAll, beforeAll, describe, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInSandbox } from './sandbox-paths.js';

describe('resolveInSandbox keeps sync paths inside the device root', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sandbox-paths-'));
    mkdirSync(join(root, 'system/bin'), { recursive: true });
    symlinkSync('busybox', join(root, 'system/bin/sh'));
    symlinkSync('/etc', join(root, 'etc-link'));
    symlinkSync('../../../../../..', join(root, 'up'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('.. never climbs above the root', async () => {
    assert.equal(await resolveInSandbox(root, '/../../etc/passwd', true), join(root, 'etc/passwd'));
  });
  test('absolute link targets restart at the root, not the host /', async () => {
    assert.equal(await resolveInSandbox(root, '/etc-link/passwd', true), join(root, 'etc/passwd'));
    assert.equal(await resolveInSandbox(root, '/up/etc/passwd', true), join(root, 'etc/passwd'));
  });
  test('the last link is followed only when asked (STAT describes the link itself)', async () => {
    assert.equal(await resolveInSandbox(root, '/system/bin/sh', false), join(root, 'system/bin/sh'));
    assert.equal(await resolveInSandbox(root, '/system/bin/sh', true), join(root, 'system/bin/busybox'));
  });
  test('relative device paths are refused', async () => {
    await assert.rejects(resolveInSandbox(root, 'data/local/tmp', true));
  });
});
