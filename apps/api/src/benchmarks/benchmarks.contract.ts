/** Route contracts of benchmark runs and results (see contract/route-contract.ts). */
import {
  BenchmarkRequestSchema,
  CancelRunResponseSchema,
  CreateRunResponseSchema,
  ResultViewSchema,
  RunResultsSchema,
  RunStatusViewSchema,
} from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';
import { IdParams, JobIdParams } from '../contract/route-params.js';

const EXAMPLE_MODEL = '0b8f2d6e-3a8c-4e0e-9d53-2f1c1b7e6a10';

export const BenchmarksContract = {
  create: defineRoute({
    method: 'post',
    path: '/benchmarks',
    operationId: 'createBenchmark',
    summary: 'Queue a benchmark matrix: one job per (device, framework, artifact, option set)',
    tag: 'benchmarks',
    access: 'write',
    body: {
      schema: BenchmarkRequestSchema,
      example: {
        modelId: EXAMPLE_MODEL,
        targets: { platform: 'linux' },
        frameworks: ['onnxruntime', 'tflite', 'opencv-dnn'],
        options: [{ threads: 1, warmupRuns: 5, timedRuns: 100 }, { threads: 2 }],
      },
    },
    responses: {
      202: {
        description: 'the run and how many jobs were queued, are waiting for an int8 variant, or were skipped',
        schema: CreateRunResponseSchema,
        example: { runId: '5d1e7c7a-6f3b-4d8e-a0f1-1c2b3d4e5f60', jobs: 6, queued: 6, waiting: 0, conversions: [], skippedDevices: [] },
      },
    },
    errors: [
      'MODEL_NOT_FOUND',
      'DEVICE_NOT_FOUND',
      'NO_MATCHING_DEVICE',
      'DEVICE_UNAVAILABLE',
      'FRAMEWORK_UNSUPPORTED',
      'DYNAMIC_SHAPE_UNRESOLVED',
      'INPUT_TOO_LARGE',
      'CALIBRATION_TOO_LARGE',
      'TOO_MANY_JOBS',
      'MODEL_INVALID',
      'RATE_LIMITED',
    ],
  }),
  status: defineRoute({
    method: 'get',
    path: '/benchmarks/{id}',
    operationId: 'getBenchmark',
    summary: 'Run status with per-job progress',
    tag: 'benchmarks',
    access: 'read',
    params: IdParams,
    responses: { 200: { description: 'the run and its jobs', schema: RunStatusViewSchema } },
    errors: ['RUN_NOT_FOUND'],
  }),
  cancel: defineRoute({
    method: 'delete',
    path: '/benchmarks/{id}',
    operationId: 'cancelBenchmark',
    summary: 'Cancel the jobs of a run that are still queued',
    tag: 'benchmarks',
    access: 'write',
    params: IdParams,
    responses: { 200: { description: 'what was cancelled', schema: CancelRunResponseSchema } },
    errors: ['RUN_NOT_FOUND'],
  }),
  results: defineRoute({
    method: 'get',
    path: '/benchmarks/{id}/results',
    operationId: 'getBenchmarkResults',
    summary: 'Statistics and per-layer timings of every finished job of a run',
    tag: 'benchmarks',
    access: 'read',
    params: IdParams,
    responses: { 200: { description: "the run's results", schema: RunResultsSchema } },
    errors: ['RUN_NOT_FOUND'],
  }),
  result: defineRoute({
    method: 'get',
    path: '/results/{jobId}',
    operationId: 'getResult',
    summary: "One job's statistics, raw latencies, environment and per-layer timings",
    tag: 'results',
    access: 'read',
    params: JobIdParams,
    responses: { 200: { description: 'the result', schema: ResultViewSchema } },
    errors: ['JOB_NOT_FOUND', 'RESULT_NOT_FOUND'],
  }),
};
