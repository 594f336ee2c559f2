/** POST /tensors and POST /calibration-sets: uploaded input tensors and calibration data as the API shows them. */
import { z } from 'zod';

export const TensorViewSchema = z
  .object({
    id: z.string().uuid(),
    /** npy or onnx-tensorproto: what the upload was read as. */
    format: z.string(),
    dtype: z.string(),
    shape: z.array(z.number().int()),
    /** Bytes of the raw little-endian elements stored (not the file). */
    sizeBytes: z.number().int(),
    sha256: z.string(),
    fileName: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Tensor' });
export type TensorView = z.infer<typeof TensorViewSchema>;

/** Most samples one calibration set may hold. */
export const CALIBRATION_SET_MAX_SAMPLES = 64;

export const CreateCalibrationSetRequestSchema = z
  .object({
    /** Uploaded tensors (POST /tensors), one calibration sample each. */
    tensorIds: z.array(z.string().uuid()).min(1).max(CALIBRATION_SET_MAX_SAMPLES),
    /** The graph input they feed; default: the model's only input. */
    input: z.string().min(1).max(256).optional(),
  })
  .strict()
  .meta({ id: 'CreateCalibrationSetRequest' });
export type CreateCalibrationSetRequest = z.infer<typeof CreateCalibrationSetRequestSchema>;

export const CalibrationSetViewSchema = z
  .object({
    id: z.string().uuid(),
    inputName: z.string().nullable(),
    tensorIds: z.array(z.string().uuid()),
    samples: z.number().int(),
    dtype: z.string(),
    shape: z.array(z.number().int()),
    totalBytes: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'CalibrationSet' });
export type CalibrationSetView = z.infer<typeof CalibrationSetViewSchema>;
