/** Route contracts of suites and regressions (see contract/route-contract.ts). */
import { z } from 'zod';
import {
  CreateSuiteRequestSchema,
  ListRegressionsQuerySchema,
  PageQuerySchema,
  RegressionPageSchema,
  RegressionViewSchema,
  SuiteNightViewSchema,
  SuitePageSchema,
  SuiteTrendsSchema,
  SuiteViewSchema,
  UpdateRegressionRequestSchema,
  type ErrorCode,
} from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';
import { IdParams } from '../contract/route-params.js';
import { RUN_CREATE_ERRORS } from '../benchmarks/benchmarks.contract.js';

/** What starting a night can answer with: the suite's own checks, then whatever creating its runs refuses. */
const NIGHT_START_ERRORS: ErrorCode[] = ['SUITE_NOT_FOUND', 'JOB_STATE_CONFLICT', 'MODEL_VERSION_NOT_FOUND', ...RUN_CREATE_ERRORS];

export const SuitesContract = {
  create: defineRoute({
    method: 'post',
    path: '/suites',
    operationId: 'createSuite',
    summary: 'Create a suite: models (latest or pinned version), device selector, frameworks, options, detection settings, webhooks, optional cron schedule',
    tag: 'suites',
    access: 'write',
    body: {
      schema: CreateSuiteRequestSchema,
      example: {
        name: 'detector nightly',
        spec: { models: [{ slug: 'detector' }], targets: { platform: 'linux' }, frameworks: ['onnxruntime'], options: { timedRuns: 50 } },
        schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' },
      },
    },
    responses: { 201: { description: 'the suite (its schedule, if any, is handed to the worker)', schema: SuiteViewSchema } },
    errors: ['SUITE_EXISTS', 'SCHEDULE_INVALID', 'MODEL_VERSION_NOT_FOUND'],
  }),
  list: defineRoute({
    method: 'get',
    path: '/suites',
    operationId: 'listSuites',
    summary: 'List suites with their last night, oldest first, one page at a time',
    tag: 'suites',
    access: 'read',
    query: PageQuerySchema,
    responses: { 200: { description: 'a page of suites', schema: SuitePageSchema } },
    errors: [],
  }),
  get: defineRoute({
    method: 'get',
    path: '/suites/{id}',
    operationId: 'getSuite',
    summary: 'One suite with its last night',
    tag: 'suites',
    access: 'read',
    params: IdParams,
    responses: { 200: { description: 'the suite', schema: SuiteViewSchema } },
    errors: ['SUITE_NOT_FOUND'],
  }),
  run: defineRoute({
    method: 'post',
    path: '/suites/{id}/run',
    operationId: 'runSuite',
    summary: 'Run now: start a night of the suite (evaluated against its baseline when its runs end)',
    tag: 'suites',
    access: 'write',
    params: IdParams,
    responses: { 202: { description: 'the night that was started, with its runs', schema: SuiteNightViewSchema } },
    errors: NIGHT_START_ERRORS,
  }),
  nights: defineRoute({
    method: 'get',
    path: '/suites/{id}/nights',
    operationId: 'listSuiteNights',
    summary: "A suite's nights and confirmation re-runs, newest first",
    tag: 'suites',
    access: 'read',
    params: IdParams,
    responses: { 200: { description: 'the nights', schema: z.array(SuiteNightViewSchema) } },
    errors: ['SUITE_NOT_FOUND'],
  }),
  trends: defineRoute({
    method: 'get',
    path: '/suites/{id}/trends',
    operationId: 'getSuiteTrends',
    summary: "Each cell's median per night with its interval, the night's environment and confirmed changes",
    tag: 'suites',
    access: 'read',
    params: IdParams,
    responses: { 200: { description: 'one series per cell', schema: SuiteTrendsSchema } },
    errors: ['SUITE_NOT_FOUND'],
  }),
};

export const RegressionsContract = {
  list: defineRoute({
    method: 'get',
    path: '/regressions',
    operationId: 'listRegressions',
    summary: 'Regressions (and improvements) found by suites, newest first, filtered by state and suite, one page at a time',
    tag: 'suites',
    access: 'read',
    query: ListRegressionsQuerySchema,
    responses: { 200: { description: 'a page of regressions', schema: RegressionPageSchema } },
    errors: [],
  }),
  get: defineRoute({
    method: 'get',
    path: '/regressions/{id}',
    operationId: 'getRegression',
    summary: 'One regression: detection, confirmation, attribution to layers and to what changed',
    tag: 'suites',
    access: 'read',
    params: IdParams,
    responses: { 200: { description: 'the regression', schema: RegressionViewSchema } },
    errors: ['REGRESSION_NOT_FOUND'],
  }),
  update: defineRoute({
    method: 'patch',
    path: '/regressions/{id}',
    operationId: 'updateRegression',
    summary: 'Set a regression state: acknowledged, resolved, false_alarm, or open again',
    tag: 'suites',
    access: 'write',
    params: IdParams,
    body: { schema: UpdateRegressionRequestSchema, example: { state: 'acknowledged' } },
    responses: { 200: { description: 'the regression in its new state', schema: RegressionViewSchema } },
    errors: ['REGRESSION_NOT_FOUND'],
  }),
};
