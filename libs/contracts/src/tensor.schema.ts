import { z } from 'zod';

export const TENSOR_DTYPES = ['float32', 'float16', 'int8', 'uint8', 'int16', 'int32', 'int64', 'bool', 'float64', 'unknown'] as const;
export const TensorDtypeSchema = z.enum(TENSOR_DTYPES);
export type TensorDtype = z.infer<typeof TensorDtypeSchema>;

/** A declared model input or output. A dim is a number when fixed, a string (symbolic name) or null when dynamic. */
export const TensorSpecSchema = z.object({
  name: z.string(),
  dtype: TensorDtypeSchema,
  shape: z.array(z.union([z.number().int(), z.string(), z.null()])),
});
export type TensorSpec = z.infer<typeof TensorSpecSchema>;
