#!/usr/bin/env node
// The agent's runner-host (device-agents/agent/dist/runners/runner-host.js) minus its progress
// lines: same request file, same child process, same result line. layers.mjs runs it through
// runIsolated's hostScript option to measure what the per-iteration progress reporting costs.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'device-agents/agent/dist/runners');
const { desktopRunner } = await import(pathToFileURL(join(dist, 'registry.js')).href);
const request = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const output = await desktopRunner(request.framework, { opencvRunnerBinary: request.opencvRunnerBinary }).run({
  modelPath: request.modelPath,
  inputs: request.inputs,
  outputs: request.outputs,
  options: request.options,
});
process.stdout.write(`${JSON.stringify({ type: 'result', output })}\n`, () => process.exit(0));
