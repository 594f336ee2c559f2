/** Route contract of the health check (see contract/route-contract.ts). */
import { HealthSchema } from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';

export const HealthContract = {
  health: defineRoute({
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Checks the database and the queue; 503 SERVICE_UNAVAILABLE (the checks in details) when either is down',
    tag: 'health',
    access: 'public',
    responses: { 200: { description: 'both answer', schema: HealthSchema } },
    errors: [],
  }),
};
