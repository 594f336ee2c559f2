/**
 * What calibration allocates before it runs anything: SYNTHETIC_CALIBRATION_SAMPLES float32
 * tensors of each declared input. Kept apart from the quantizer (no ONNX Runtime import), so the API
 * can refuse an oversized request without loading an engine, and the worker checks the same figure.
 */

/** Synthetic samples the quantizer makes when it is given no calibration inputs. */
export const SYNTHETIC_CALIBRATION_SAMPLES = 4;

/** Calibration tensors are float32 whatever the declared dtype. */
const BYTES_PER_VALUE = 4;

/**
 * Bytes of the calibration inputs for these declared inputs. A dynamic dim (a name or null) counts
 * as 1, as the quantizer's synthetic samples take it; the result may be beyond 2^53 for a hostile
 * shape, which still compares correctly against any limit.
 */
export function calibrationInputBytes(inputs: readonly { shape: readonly (number | string | null)[] }[], samples = SYNTHETIC_CALIBRATION_SAMPLES): number {
  let values = 0;
  for (const input of inputs) values += input.shape.reduce<number>((n, d) => n * (typeof d === 'number' && d > 0 ? d : 1), 1);
  return values * BYTES_PER_VALUE * samples;
}
