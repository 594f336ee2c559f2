/**
 * The benchmark host app's contract, TypeScript side: the JSON blocks in
 * device-agents/ios-host/CONTRACT.md are the fixtures the tests use, byte for byte; the contract
 * schemas accept them; and the host-app runner turns the report into a result whose per-layer
 * times are marked estimated, with compute units, thermal state and battery kept.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from '@jest/globals';
import { HostAppReportSchema, HostAppVersionSchema, judgeLayerSum, NativeRunnerErrorSchema, RunnerOutputSchema } from '@farm/contracts';
import { HostAppRunner } from './host-app.runner.js';

const HOST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../ios-host');
const fixture = (name: string) => readFileSync(join(HOST_DIR, 'fixtures', name), 'utf8');

/** `<!-- fixture: NAME -->` followed by a ```json block: the contract's examples, by fixture name. */
function contractExamples(): Map<string, string> {
  const md = readFileSync(join(HOST_DIR, 'CONTRACT.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of md.matchAll(/<!-- fixture: ([\w.-]+) -->\s*```json\n([\s\S]*?)\n```/g)) out.set(m[1]!, m[2]!);
  return out;
}

describe('host app contract (CONTRACT.md and its fixtures)', () => {
  test('every fixture appears in CONTRACT.md exactly as the tests read it', () => {
    const examples = contractExamples();
    assert.deepEqual([...examples.keys()].sort(), ['error.json', 'report.json', 'version.json']);
    for (const [name, text] of examples) assert.equal(text, fixture(name).trim(), name);
  });

  test('the contract schemas accept the fixtures', () => {
    assert.equal(HostAppVersionSchema.parse(JSON.parse(fixture('version.json'))).engine, 'coreml');
    const report = HostAppReportSchema.parse(JSON.parse(fixture('report.json')));
    assert.ok(report.layers.every((l) => l.estimated));
    assert.equal(NativeRunnerErrorSchema.parse(JSON.parse(fixture('error.json'))).error.code, 'model_rejected');
  });

  test('the runner keeps estimated layers marked estimated, with compute units, thermal state and battery', () => {
    const report = HostAppReportSchema.parse(JSON.parse(fixture('report.json')));
    const out = RunnerOutputSchema.parse(new HostAppRunner('coreml', ['coreml'], '/nonexistent').output(report, new Uint8Array(40), 1));
    assert.equal(out.framework, 'coreml');
    assert.equal(out.layerBasis?.basis, 'estimated');
    assert.deepEqual(
      out.layers.map((l) => l.name),
      ['conv_0', 'relu_0', 'softmax_0'],
    );
    const notes = out.notes.join('\n');
    assert.match(notes, /compute units: cpuAndNeuralEngine/);
    assert.match(notes, /estimated/);
    assert.match(notes, /neuralEngine 2, cpu 1/);
    assert.match(notes, /thermal state nominal -> fair/);
    assert.match(notes, /battery 81% \(unplugged\) -> 80% \(unplugged\)/);
    // The API keeps the estimated label whatever the sum: estimated times never pass for measured ones.
    const sum = judgeLayerSum(
      out.layers.map((l) => l.timeMs),
      2.1,
      out.layerBasis,
    );
    assert.equal(sum.layerBasis, 'estimated');
  });
});
