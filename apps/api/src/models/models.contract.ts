/** Route contracts of models and conversions (see contract/route-contract.ts). */
import { z } from 'zod';
import { ConversionViewSchema, ModelPageSchema, ModelViewSchema, PageQuerySchema, QuantizeRequestSchema, UploadResponseSchema } from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';
import { IdParams } from '../contract/route-params.js';

/** The multipart fields of an upload; the files are binary parts. */
export const UploadFieldsSchema = z.object({
  name: z.string().min(1).max(200).optional().meta({ description: 'display name; default: the file name' }),
  modelId: z.string().uuid().optional().meta({ description: 'add this file as another artifact of an existing model (e.g. its TFLite export)' }),
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'a slug is 1-100 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit')
    .optional()
    .meta({ description: "the model's handle: a new model (version 1) the first time, a new version of that model on every later upload" }),
});

const UploadFormSchema = UploadFieldsSchema.extend({
  file: z.string().meta({
    format: 'binary',
    description: 'the model: .onnx, .tflite, an NCNN .param, a Core ML .mlmodel, or an .mlpackage directory zipped',
  }),
  weights: z.string().optional().meta({ format: 'binary', description: "an NCNN model's .bin (required with a .param, refused otherwise)" }),
});

export const ModelsContract = {
  upload: defineRoute({
    method: 'post',
    path: '/models',
    operationId: 'uploadModel',
    summary: 'Upload an ONNX, TFLite, NCNN or Core ML (.mlmodel, zipped .mlpackage) model (format detected from content; deduplicated by sha256)',
    tag: 'models',
    access: 'write',
    body: { schema: UploadFormSchema, contentType: 'multipart/form-data' },
    responses: {
      201: { description: 'stored as a new artifact', schema: UploadResponseSchema },
      200: { description: 'these bytes were stored already: the existing artifact (deduplicated: true)', schema: UploadResponseSchema },
    },
    errors: [
      'MODEL_FORMAT_UNKNOWN',
      'MODEL_TRUNCATED',
      'MODEL_INVALID',
      'MODEL_TOO_LARGE',
      'MODEL_ARCHIVE_UNSAFE',
      'MODEL_LIMIT_EXCEEDED',
      'MODEL_NOT_FOUND',
      'RATE_LIMITED',
      'STORAGE_FULL',
    ],
  }),
  list: defineRoute({
    method: 'get',
    path: '/models',
    operationId: 'listModels',
    summary: 'List models with their artifacts, oldest first, one page at a time',
    tag: 'models',
    access: 'read',
    query: PageQuerySchema,
    responses: { 200: { description: 'a page of models', schema: ModelPageSchema } },
    errors: [],
  }),
  get: defineRoute({
    method: 'get',
    path: '/models/{id}',
    operationId: 'getModel',
    summary: 'One model: artifacts, inputs/outputs, op histogram',
    tag: 'models',
    access: 'read',
    params: IdParams,
    responses: { 200: { description: 'the model', schema: ModelViewSchema } },
    errors: ['MODEL_NOT_FOUND'],
  }),
  quantize: defineRoute({
    method: 'post',
    path: '/models/{id}/quantize',
    operationId: 'quantizeModel',
    summary:
      'Queue the int8 QDQ variant of an fp32 ONNX artifact (made by the worker): 202 with a conversion to poll at GET /conversions/{id}, or 200 when the variant exists already',
    tag: 'models',
    access: 'write',
    params: IdParams,
    body: { schema: QuantizeRequestSchema, example: { calibration: 'percentile' } },
    responses: {
      202: { description: 'a conversion was queued (or one in progress is returned)', schema: ConversionViewSchema },
      200: { description: 'the variant exists already', schema: ConversionViewSchema },
    },
    errors: ['MODEL_NOT_FOUND', 'MODEL_INVALID', 'CALIBRATION_TOO_LARGE', 'CALIBRATION_SET_NOT_FOUND', 'CALIBRATION_SET_MISMATCH'],
  }),
  conversion: defineRoute({
    method: 'get',
    path: '/conversions/{id}',
    operationId: 'getConversion',
    summary: 'A conversion (int8 quantization): queued, running, succeeded with its artifactId, or failed with an error code and message',
    tag: 'models',
    access: 'read',
    params: IdParams,
    responses: {
      200: {
        description: 'the conversion',
        schema: ConversionViewSchema,
        example: {
          id: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f',
          modelId: '0b8f2d6e-3a8c-4e0e-9d53-2f1c1b7e6a10',
          kind: 'int8_qdq',
          sourceArtifactId: '2a3b4c5d-6e7f-4081-9293-a4b5c6d7e8f9',
          calibration: 'percentile',
          calibrationSetId: null,
          status: 'queued',
          artifactId: null,
          reused: false,
          attempts: 0,
          report: null,
          error: null,
          createdAt: '2026-11-30T12:00:00.000Z',
          startedAt: null,
          finishedAt: null,
        },
      },
    },
    errors: ['CONVERSION_NOT_FOUND'],
  }),
};
