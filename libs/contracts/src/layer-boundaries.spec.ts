/**
 * Keeps the layering honest: shared libraries never import apps or device agents, and runners
 * never reach into transports (a runner asks its transport to push/run/pull through the
 * interface, so a phone transport can replace the local one).
 */
import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'generated') continue;
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

test('libs/ import no app and no device agent', () => {
  const offenders: string[] = [];
  for (const lib of readdirSync(join(root, 'libs'))) {
    const src = join(root, 'libs', lib, 'src');
    try {
      statSync(src);
    } catch {
      continue;
    }
    for (const f of sources(src)) {
      for (const spec of imports(f)) {
        if (/^@farm\/(api|agent|cli|web)\b/.test(spec) || /(^|\/)(apps|device-agents)\//.test(spec)) offenders.push(`${f}: ${spec}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

test('runners do not import transports', () => {
  const dir = join(root, 'device-agents/agent/src/runners');
  const offenders = sources(dir).flatMap((f) =>
    imports(f)
      .filter((s) => s.includes('transports/'))
      .map((s) => `${f}: ${s}`),
  );
  assert.deepEqual(offenders, []);
});
