#!/usr/bin/env node
// The agent's runner-host (device-agents/agent/dist/host/runner-host.js) minus its progress
// lines: same request file, same child process, same result line. layers.mjs runs it through
// runIsolated's hostScript option to measure what the per-iteration progress reporting costs.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'device-agents/agent/dist');
const { desktopRunner } = await import(pathToFileURL(join(dist, 'runners/registry.js')).href);
const { LocalTransport } = await import(pathToFileURL(join(dist, 'transports/local.transport.js')).href);
const request = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const transport = new LocalTransport({ root: request.transportRoot });
const workspace = { serial: transport.serial, dir: request.workspaceDir };
const output = await desktopRunner(request.framework, request.settings).run({
  device: { transport, workspace },
  modelPath: request.modelPath,
  inputs: request.inputs,
  outputs: request.outputs,
  options: request.options,
});
process.stdout.write(`${JSON.stringify({ type: 'result', output })}\n`, () => process.exit(0));
