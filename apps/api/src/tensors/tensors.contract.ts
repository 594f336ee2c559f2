/** Route contracts of uploaded input tensors and calibration sets (see contract/route-contract.ts). */
import { z } from 'zod';
import { CalibrationSetViewSchema, CreateCalibrationSetRequestSchema, TensorViewSchema } from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';
import { IdParams } from '../contract/route-params.js';

const TensorFormSchema = z.object({
  file: z.string().meta({ format: 'binary', description: 'a NumPy .npy (C order) or an ONNX TensorProto .pb' }),
});

export const TensorsContract = {
  upload: defineRoute({
    method: 'post',
    path: '/tensors',
    operationId: 'uploadTensor',
    summary: 'Upload an input tensor (.npy, or an ONNX TensorProto .pb) to feed a named input with options.inputs {kind: "file", tensorId}',
    tag: 'tensors',
    access: 'write',
    body: { schema: TensorFormSchema, contentType: 'multipart/form-data' },
    responses: { 201: { description: 'the stored tensor', schema: TensorViewSchema } },
    errors: ['TENSOR_INVALID', 'TENSOR_TOO_LARGE', 'MODEL_TOO_LARGE', 'RATE_LIMITED', 'STORAGE_FULL'],
  }),
  get: defineRoute({
    method: 'get',
    path: '/tensors/{id}',
    operationId: 'getTensor',
    summary: 'An uploaded tensor: format, dtype, shape, size',
    tag: 'tensors',
    access: 'read',
    params: IdParams,
    responses: { 200: { description: 'the tensor', schema: TensorViewSchema } },
    errors: ['TENSOR_NOT_FOUND'],
  }),
  createCalibrationSet: defineRoute({
    method: 'post',
    path: '/calibration-sets',
    operationId: 'createCalibrationSet',
    summary: 'Group uploaded tensors into calibration data for quantization, reused by id in POST /models/{id}/quantize',
    tag: 'tensors',
    access: 'write',
    body: { schema: CreateCalibrationSetRequestSchema, example: { tensorIds: ['6f1e2d3c-4b5a-4968-8776-655443322110'], input: 'input' } },
    responses: { 201: { description: 'the calibration set', schema: CalibrationSetViewSchema } },
    errors: ['TENSOR_NOT_FOUND', 'CALIBRATION_TOO_LARGE'],
  }),
  getCalibrationSet: defineRoute({
    method: 'get',
    path: '/calibration-sets/{id}',
    operationId: 'getCalibrationSet',
    summary: 'A calibration set: its samples, dtype, shape and size',
    tag: 'tensors',
    access: 'read',
    params: IdParams,
    responses: { 200: { description: 'the calibration set', schema: CalibrationSetViewSchema } },
    errors: ['CALIBRATION_SET_NOT_FOUND'],
  }),
};
