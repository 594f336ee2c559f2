/**
 * Keeps the layering honest: shared libraries never import apps or device agents; runners reach
 * devices only through the transport interface (a runner asks its transport to push, exec and
 * pull, so a phone transport can replace the local one); only transports start processes; and
 * transports know nothing of frameworks.
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

const agentSrc = join(root, 'device-agents/agent/src');
const isSpec = (f: string) => f.endsWith('.spec.ts');
const CHILD_PROCESS = /^(node:)?child_process$/;

test('the agent has transports, and runners that use them', () => {
  // Guards the rules below against passing on an empty tree (they did, before transports existed).
  const transports = sources(join(agentSrc, 'transports')).filter((f) => !isSpec(f));
  assert.ok(
    transports.some((f) => f.endsWith('/transport.ts')),
    'no transport interface',
  );
  assert.ok(
    transports.some((f) => /\.transport\.ts$/.test(f)),
    'no transport implementation',
  );
  const runners = sources(join(agentSrc, 'runners')).filter((f) => !isSpec(f));
  assert.ok(
    runners.some((f) => imports(f).some((s) => s.endsWith('transports/transport.js'))),
    'no runner uses the transport interface',
  );
});

test('runners import only the transport interface, never a concrete transport', () => {
  const offenders = sources(join(agentSrc, 'runners'))
    .filter((f) => !isSpec(f))
    .flatMap((f) =>
      imports(f)
        .filter((s) => s.includes('transports/') && !s.endsWith('transports/transport.js'))
        .map((s) => `${f}: ${s}`),
    );
  assert.deepEqual(offenders, []);
});

test('only transports start processes in the agent', () => {
  const offenders = sources(agentSrc)
    .filter((f) => !isSpec(f) && !f.startsWith(join(agentSrc, 'transports') + '/'))
    .flatMap((f) =>
      imports(f)
        .filter((s) => CHILD_PROCESS.test(s))
        .map((s) => `${f}: ${s}`),
    );
  assert.deepEqual(offenders, []);
});

test('the transport layer knows no framework: transports import no runner', () => {
  const offenders = sources(join(agentSrc, 'transports')).flatMap((f) =>
    imports(f)
      .filter((s) => s.includes('runners/'))
      .map((s) => `${f}: ${s}`),
  );
  assert.deepEqual(offenders, []);
});
