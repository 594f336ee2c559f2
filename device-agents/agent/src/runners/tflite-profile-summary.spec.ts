// Parser checks against the layout TFLite prints (rows copied from a real GetProfilingSummary()
// of BlazeFace, trimmed); the engine itself is exercised in tflite.runner.spec.ts.
import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { parseTfliteProfileSummary, tfliteLayers } from './tflite-profile-summary.js';

const SUMMARY = [
  '============================== Run Order ==============================',
  '\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]',
  '\t   TfLiteXNNPackDelegate\t   41.048\t   43.825\t100.000%\t100.000%\t     0.000\t        2\t[classificators, regressors]:164',
  '',
  'Delegate internal: ',
  '============================== Run Order ==============================',
  '\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]',
  '\t        DelegateOpInvoke\t    8.823\t   10.530\t 26.528%\t 26.528%\t     0.000\t        2\tDelegate/Convolution (NHWC, F32) IGEMM:0',
  '\t        DelegateOpInvoke\t    1.101\t    0.795\t  2.003%\t 28.531%\t     0.000\t        2\tDelegate/Convolution (NHWC, F32) DWConv:1',
  '',
  '============================== Top by Computation Time ==============================',
].join('\n');

describe('TFLite profiling summary parser', () => {
  it('splits primary and delegate-internal rows, keeping names with spaces', () => {
    const s = parseTfliteProfileSummary(SUMMARY);
    assert.equal(s.primary.length, 1);
    assert.equal(s.delegateInternal.length, 2);
    assert.equal(s.delegateInternal[0]!.name, 'Delegate/Convolution (NHWC, F32) IGEMM:0');
    assert.equal(s.delegateInternal[0]!.timesCalled, 2);
  });

  it('drops the first call and the delegate partition node', () => {
    const layers = tfliteLayers(parseTfliteProfileSummary(SUMMARY), 2);
    assert.deepEqual(
      layers.map((l) => l.opType),
      ['Convolution (NHWC, F32) IGEMM', 'Convolution (NHWC, F32) DWConv'],
    );
    // avg 10.530 over 2 calls, first 8.823: the second call took 12.237 ms
    assert.ok(Math.abs(layers[0]!.timeMs - 12.237) < 1e-9);
  });

  it('reads the older layout with a [start] column by header', () => {
    const old = [
      '============================== Run Order ==============================',
      '\t             [node type]\t          [start]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]',
      '\t                 CONV_2D\t            0.066\t   87.754\t   60.957\t  2.066%\t  2.066%\t     0.000\t        1\t[MobilenetV1/Conv2d_0/Relu6]:0',
      '',
    ].join('\n');
    assert.deepEqual(tfliteLayers(parseTfliteProfileSummary(old), 1), [{ name: '[MobilenetV1/Conv2d_0/Relu6]:0', opType: 'CONV_2D', timeMs: 60.957 }]);
  });
});
