/** Route contracts of benchmark runs and results (see contract/route-contract.ts). */
import {
  BenchmarkRequestSchema,
  CancelRunResponseSchema,
  CreateRunResponseSchema,
  ResultViewSchema,
  RunResultsSchema,
  RunStatusViewSchema,
  type ErrorCode,
} from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';
import { IdParams, JobIdParams } from '../contract/route-params.js';

const EXAMPLE_MODEL = '0b8f2d6e-3a8c-4e0e-9d53-2f1c1b7e6a10';

/** What creating a run can be refused with; a suite's night creates runs too (suites.contract.ts). */
export const RUN_CREATE_ERRORS: ErrorCode[] = [
  'MODEL_NOT_FOUND',
  'DEVICE_NOT_FOUND',
  'NO_MATCHING_DEVICE',
  'DEVICE_UNAVAILABLE',
  'FRAMEWORK_UNSUPPORTED',
  'DYNAMIC_SHAPE_UNRESOLVED',
  'INPUT_TOO_LARGE',
  'CALIBRATION_TOO_LARGE',
  'TOO_MANY_JOBS',
  'INPUT_SPEC_MISMATCH',
  'FRAMEWORK_CANNOT_RUN',
  'TENSOR_NOT_FOUND',
  'CALIBRATION_SET_NOT_FOUND',
  'CALIBRATION_SET_MISMATCH',
  'MODEL_INVALID',
];

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
        example: { runId: '5d1e7c7a-6f3b-4d8e-a0f1-1c2b3d4e5f60', jobs: 6, queued: 6, waiting: 0, conversions: [], skippedDevices: [], skippedCells: [] },
      },
    },
    errors: [...RUN_CREATE_ERRORS, 'RATE_LIMITED'],
  }),
  status: defineRoute({
    method: 'get',
    path: '/benchmarks/{id}',
    operationId: 'getBenchmark',
    summary: 'Run status with per-job progress, attempts, last error and why each unstarted job waits',
    tag: 'benchmarks',
    access: 'read',
    params: IdParams,
    responses: {
      200: {
        description: 'the run and its jobs',
        schema: RunStatusViewSchema,
        example: {
          id: '5d1e7c7a-6f3b-4d8e-a0f1-1c2b3d4e5f60',
          modelId: EXAMPLE_MODEL,
          status: 'running',
          createdAt: '2026-11-30T12:00:00.000Z',
          finishedAt: null,
          counts: { waiting: 0, queued: 1, running: 1, succeeded: 0, failed: 0, cancelled: 0 },
          progress: 0,
          jobs: [
            {
              id: '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
              device: { id: '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9', name: 'bench-host (desktop)', emulated: false },
              framework: 'onnxruntime',
              artifact: { id: '2a3b4c5d-6e7f-4081-9293-a4b5c6d7e8f9', format: 'onnx', variant: 'original' },
              conversionId: null,
              options: { threads: 1, warmupRuns: 5, timedRuns: 100, profileRuns: 3, seed: 1 },
              status: 'running',
              attempts: 1,
              progress: { phase: 'timed', done: 40, total: 100 },
              error: null,
              waiting: null,
              queuedAt: '2026-11-30T12:00:00.000Z',
              startedAt: '2026-11-30T12:00:01.000Z',
              finishedAt: null,
              summary: null,
            },
          ],
        },
      },
    },
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
