import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { DomainError } from '@farm/contracts';
import { inspectModel } from './index.js';
import { hostileUploads } from '../../../test/fixtures/hostile/hostile-corpus.js';
import { onnxEmptyNodeFlood, onnxNestedSubgraphs, onnxExternalDataEverywhere } from '../../../test/fixtures/hostile/onnx-hostile.js';
import { tfliteSharedOffsets } from '../../../test/fixtures/hostile/tflite-hostile.js';

function refusal(bytes: Uint8Array): DomainError {
  try {
    inspectModel(bytes);
  } catch (e) {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the model to be refused');
}

describe('hostile corpus, in process', () => {
  for (const h of hostileUploads()) {
    it(`${h.name} -> ${h.code}`, () => {
      const bytes = h.bytes();
      // The heap must not grow by more than a few times the file: the limits stop the work before it allocates.
      const before = process.memoryUsage().heapUsed;
      const e = refusal(bytes);
      const grown = process.memoryUsage().heapUsed - before;
      assert.equal(e.code, h.code, e.message);
      assert.ok(grown < 64 * 1024 * 1024 + 8 * bytes.length, `${h.name}: heap grew ${grown} bytes for a ${bytes.length}-byte file`);
    });
  }
});

describe('parse limits', () => {
  it('names the limit crossed and its value', () => {
    const e = refusal(onnxEmptyNodeFlood(1_000_000));
    assert.match(e.message, /maxNodes = 250000/);
    assert.deepEqual(e.details, { limit: 'maxNodes', max: 250000 });
    const deep = refusal(onnxNestedSubgraphs(100));
    assert.deepEqual(deep.details, { limit: 'maxGraphDepth', max: 16 });
    // A shared table is read once, so 4000 references to a 4000-dim tensor cost one read; its rank is what is refused.
    assert.equal((refusal(tfliteSharedOffsets({ dims: 4000, tensorRefs: 4000 })).details as { limit: string }).limit, 'maxRank');
    // Copies that do land in the result (one long name per operator) are charged per copy.
    const copies = refusal(tfliteSharedOffsets({ dims: 4, tensorRefs: 1, operators: 20_000, tensorName: 'n'.repeat(2000) }));
    assert.equal((copies.details as { limit: string }).limit, 'tfliteWorkPerByte');
    assert.match(copies.message, /shared table or vector/);
  });

  it('accepts what is under the limits, and the limits can be set per call', () => {
    // Empty nodes under the node limit decode; the flood is refused for its count, not its emptiness.
    assert.equal(inspectModel(onnxEmptyNodeFlood(100)).nodeCount, 101);
    assert.equal(inspectModel(onnxNestedSubgraphs(3)).nodeCount, 1);
    const tight = (() => {
      try {
        inspectModel(onnxNestedSubgraphs(3), { maxGraphDepth: 2 });
      } catch (e) {
        return e as DomainError;
      }
      return null;
    })();
    assert.equal(tight?.code, 'MODEL_LIMIT_EXCEEDED');
  });

  it('reads a tensor table shared by a few entries once, within budget', () => {
    const info = inspectModel(tfliteSharedOffsets({ dims: 4, tensorRefs: 50 }));
    assert.deepEqual(info.inputs[0]!.shape, [1, 1, 1, 1]);
  });

  it('says where external data sits', () => {
    const messages = onnxExternalDataEverywhere().map((x) => ({ name: x.name, message: refusal(x.bytes).message }));
    const by = (n: string) => messages.find((m) => m.name === n)!.message;
    assert.match(by('graph initializer (data_location)'), /initializer tensor "w" is stored in an external data file/);
    assert.match(by('Constant node value'), /node "const_0" attribute "value" tensor "c"/);
    assert.match(by('subgraph initializer'), /node "if_0" attribute "then_branch" subgraph > initializer tensor "sub_w"/);
    assert.match(by('sparse initializer indices'), /sparse initializer indices of tensor "si"/);
  });
});
