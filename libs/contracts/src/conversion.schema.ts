/**
 * Conversions: derived artifacts made from untrusted models (today the int8 QDQ variant of an
 * fp32 ONNX artifact). The API adds a job to QueueName.Conversion and answers with a conversion to
 * poll (GET /conversions/:id); the worker runs it in a capped child process. Job names, payload and
 * the response shape are declared here once for the API, the worker, the CLI and the dashboard.
 */
import { z } from 'zod';

export enum ConversionJobName {
  /** Quantize one fp32 ONNX artifact to int8 QDQ with one calibration method. */
  QuantizeInt8 = 'quantize-int8',
}

export const CONVERSION_KINDS = ['int8_qdq'] as const;
export const CONVERSION_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type ConversionStatus = (typeof CONVERSION_STATUSES)[number];
export const CALIBRATION_METHODS = ['minmax', 'percentile'] as const;
export type CalibrationMethodName = (typeof CALIBRATION_METHODS)[number];

/**
 * A conversion's calibration as one key (its row is unique per source, kind and key): the method,
 * plus the uploaded calibration set when one was given ("percentile+set:<uuid>").
 */
export function calibrationKey(method: CalibrationMethodName, setId?: string): string {
  return setId ? `${method}+set:${setId}` : method;
}

export function parseCalibrationKey(key: string): { method: CalibrationMethodName; setId: string | null } {
  const [method, set] = key.split('+set:');
  return { method: method as CalibrationMethodName, setId: set ?? null };
}

/** The queue carries only the row's id and generation: the database row holds what to do. */
export const QuantizeInt8PayloadSchema = z
  .object({
    conversionId: z.string().uuid(),
    generation: z.number().int().min(1),
  })
  .strict();
export type QuantizeInt8Payload = z.infer<typeof QuantizeInt8PayloadSchema>;

export const QuantizeInt8ResultSchema = z
  .object({
    status: z.enum(CONVERSION_STATUSES),
    artifactId: z.string().uuid().nullable(),
  })
  .strict();
export type QuantizeInt8Result = z.infer<typeof QuantizeInt8ResultSchema>;

/** GET /conversions/:id, and the body of POST /models/:id/quantize. */
export const ConversionViewSchema = z
  .object({
    id: z.string().uuid(),
    modelId: z.string().uuid(),
    kind: z.enum(CONVERSION_KINDS),
    sourceArtifactId: z.string().uuid(),
    calibration: z.enum(CALIBRATION_METHODS),
    /** The uploaded calibration set the ranges came from; null: seeded synthetic inputs. */
    calibrationSetId: z.string().uuid().nullable(),
    status: z.enum(CONVERSION_STATUSES),
    /** The variant, once it exists. */
    artifactId: z.string().uuid().nullable(),
    /** True when an earlier conversion's variant was reused rather than made again. */
    reused: z.boolean(),
    attempts: z.number().int().min(0),
    report: z.unknown().nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'Conversion' });
export type ConversionView = z.infer<typeof ConversionViewSchema>;
