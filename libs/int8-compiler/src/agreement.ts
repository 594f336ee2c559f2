/**
 * Agreement between a reference output (usually fp32) and an int8 output: cosine similarity,
 * max/mean absolute error, and how many elements lie within a given tolerance (e.g. one
 * quantization step). Every int8 result the farm reports carries these figures.
 */
import { DomainError } from '@farm/contracts';

export interface Agreement {
  elements: number;
  cosine: number;
  maxAbsError: number;
  meanAbsError: number;
  /** Largest |reference| value, to put the absolute errors in scale. */
  maxAbsReference: number;
  /** Fraction of elements with |a - b| <= tolerance (present when a tolerance was given). */
  withinTolerance?: number;
  tolerance?: number;
}

export function agreement(reference: ArrayLike<number>, candidate: ArrayLike<number>, tolerance?: number): Agreement {
  if (reference.length !== candidate.length) {
    throw new DomainError('VALIDATION_FAILED', `agreement: outputs differ in size (${reference.length} vs ${candidate.length})`);
  }
  let dot = 0,
    na = 0,
    nb = 0,
    maxErr = 0,
    sumErr = 0,
    maxRef = 0,
    within = 0;
  const n = reference.length;
  for (let i = 0; i < n; i++) {
    const a = Number(reference[i]),
      b = Number(candidate[i]);
    dot += a * b;
    na += a * a;
    nb += b * b;
    const e = Math.abs(a - b);
    if (!(e <= maxErr)) maxErr = e; // also propagates NaN
    sumErr += e;
    maxRef = Math.max(maxRef, Math.abs(a));
    if (tolerance !== undefined && e <= tolerance) within++;
  }
  // Two all-zero vectors agree perfectly; one all-zero vector has no direction to compare.
  const cosine = na === 0 && nb === 0 ? 1 : na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
  return {
    elements: n,
    cosine,
    maxAbsError: maxErr,
    meanAbsError: n ? sumErr / n : 0,
    maxAbsReference: maxRef,
    ...(tolerance !== undefined ? { withinTolerance: n ? within / n : 1, tolerance } : {}),
  };
}
