/** Route contracts of the comparison views (see contract/route-contract.ts). */
import { z } from 'zod';
import { AdviceResponseSchema, CompareResponseSchema, LayerCompareResponseSchema } from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';

const ModelQuery = z.object({ modelId: z.string().uuid() });
const LayerQuery = ModelQuery.extend({
  deviceId: z.string().uuid().optional().meta({ description: 'every framework on this device' }),
  framework: z.string().optional().meta({ description: 'this framework label (as /compare names it) on every device' }),
});

export const CompareContract = {
  compare: defineRoute({
    method: 'get',
    path: '/compare',
    operationId: 'compare',
    summary:
      'Framework x device matrix of median latency (95% CI, p90, robust spread, outliers) with per-op-class breakdown per cell, and a bootstrap verdict for every pair of cells on a device',
    tag: 'compare',
    access: 'read',
    query: ModelQuery,
    responses: { 200: { description: 'the matrix', schema: CompareResponseSchema } },
    errors: ['MODEL_NOT_FOUND'],
  }),
  layers: defineRoute({
    method: 'get',
    path: '/compare/layers',
    operationId: 'compareLayers',
    summary:
      "Layers aligned across frameworks on the model's source graph, with each framework's time and share per row, an op-class roll-up and end-to-end verdicts; exactly one of deviceId or framework",
    tag: 'compare',
    access: 'read',
    query: LayerQuery,
    responses: { 200: { description: 'the aligned layers', schema: LayerCompareResponseSchema } },
    errors: ['MODEL_NOT_FOUND', 'DEVICE_NOT_FOUND', 'RESULT_NOT_FOUND'],
  }),
  layersExport: defineRoute({
    method: 'get',
    path: '/compare/layers/export',
    operationId: 'exportLayers',
    summary: 'The same comparison as a download: ?format=csv (one line per aligned row) or ?format=json (the /compare/layers body)',
    tag: 'compare',
    access: 'read',
    query: LayerQuery.extend({ format: z.enum(['csv', 'json']) }),
    responses: {
      200: { description: 'an attachment: text/csv, or application/json with the /compare/layers body', contentType: 'text/csv' },
    },
    errors: ['MODEL_NOT_FOUND', 'DEVICE_NOT_FOUND', 'RESULT_NOT_FOUND'],
  }),
  advice: defineRoute({
    method: 'get',
    path: '/compare/advice',
    operationId: 'advice',
    summary:
      'Advice from the graph and the measured, aligned layers, each with its evidence, measured gain or "not measured", and ready POST /benchmarks bodies where the farm can try the fix',
    tag: 'compare',
    access: 'read',
    query: ModelQuery.extend({ deviceId: z.string().uuid().optional().meta({ description: 'only this device (default: every device with results)' }) }),
    responses: { 200: { description: 'the advice', schema: AdviceResponseSchema } },
    errors: ['MODEL_NOT_FOUND', 'DEVICE_NOT_FOUND'],
  }),
};
