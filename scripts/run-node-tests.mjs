#!/usr/bin/env node
// Runs compiled node:test files. Node 20's --test has no glob support for our *.spec.js naming,
// so the files are found here and passed explicitly.
// usage: run-node-tests.mjs <suffix> <dir>...   e.g.  run-node-tests.mjs .spec.js libs apps device-agents
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [suffix, ...dirs] = process.argv.slice(2);
if (!suffix || dirs.length === 0) {
  console.error('usage: run-node-tests.mjs <suffix> <dir>...');
  process.exit(2);
}
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(suffix) && p.split('/').includes('dist')) files.push(p);
  }
}
for (const d of dirs) walk(d);
files.sort();
if (files.length === 0) {
  console.error(`no compiled test files ending in ${suffix} under ${dirs.join(', ')}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '1';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
