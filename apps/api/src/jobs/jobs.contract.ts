/** Route contracts of jobs across runs (see contract/route-contract.ts). */
import { AttentionJobsSchema } from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';

export const JobsContract = {
  attention: defineRoute({
    method: 'get',
    path: '/jobs/attention',
    operationId: 'listJobsNeedingAttention',
    summary: 'The 100 newest failed jobs and jobs whose device went silent, each with attempts, last error and why it waits',
    tag: 'benchmarks',
    access: 'read',
    responses: { 200: { description: 'the jobs, newest first (a fixed-size list, not paged)', schema: AttentionJobsSchema } },
    errors: [],
  }),
};
