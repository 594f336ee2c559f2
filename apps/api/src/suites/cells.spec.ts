import { test } from '@jest/globals';
import assert from 'node:assert/strict';
import { pairing, type PairingSide } from './cells.js';

const side = (artifactId: string, version: number, frameworkVersion = '1.20.0', env: Record<string, string> = {}): PairingSide => ({
  artifact: { id: artifactId, version },
  result: { frameworkVersion, environment: { agentVersion: '0.1.0', os: 'linux', osRelease: '6.1', ...env } },
});

test('a new artifact on an unchanged setup is confirmed paired', () => {
  assert.deepEqual(pairing(side('a1', 1), side('a2', 2)), { paired: true });
});

test('the same artifact cannot be paired: A/B would be A/A', () => {
  const p = pairing(side('a1', 1), side('a1', 1));
  assert.equal(p.paired, false);
  assert.match(!p.paired ? p.because : '', /no earlier artifact/);
});

test('a framework, agent or OS change besides the artifact falls back, naming what changed', () => {
  const fw = pairing(side('a1', 1, '1.20.0'), side('a2', 2, '1.21.0'));
  assert.equal(fw.paired, false);
  assert.match(!fw.paired ? fw.because : '', /model version \(1 -> 2\), framework 1\.20\.0 -> 1\.21\.0 changed/);
  const agent = pairing(side('a1', 1), side('a2', 2, '1.20.0', { agentVersion: '0.2.0' }));
  assert.match(!agent.paired ? agent.because : '', /agent 0\.1\.0 -> 0\.2\.0/);
  const os = pairing(side('a1', 1), side('a2', 2, '1.20.0', { osRelease: '6.2' }));
  assert.match(!os.paired ? os.because : '', /OS linux 6\.1 -> linux 6\.2/);
});
