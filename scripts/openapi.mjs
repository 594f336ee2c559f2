#!/usr/bin/env node
// Writes the files generated from the API's route contracts: docs/openapi.json and the typed
// client's types (libs/api-client/src/generated/openapi.ts). Needs the API built (apps/api/dist).
//   node scripts/openapi.mjs           write them
//   node scripts/openapi.mjs --check   print the diff and exit 1 when a checked-in one is stale
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { generatedArtifacts, staleArtifacts } = await import(join(root, 'apps/api/dist/contract/openapi-artifacts.js'));
if (process.argv.includes('--check')) {
  const stale = await staleArtifacts(root);
  for (const d of stale) console.log(d);
  if (stale.length) {
    console.error('the checked-in OpenAPI files are stale: run `npm run openapi` and commit the diff above');
    process.exit(1);
  }
  console.log('docs/openapi.json and libs/api-client are current');
} else {
  for (const [rel, text] of Object.entries(await generatedArtifacts(root))) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
    console.log(`wrote ${rel}`);
  }
}
