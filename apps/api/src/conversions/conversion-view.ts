import { parseCalibrationKey, type ConversionView } from '@farm/contracts';
import type { ConversionRow } from './conversions.repository.js';

export function conversionView(c: ConversionRow): ConversionView {
  return {
    id: c.id,
    modelId: c.modelId,
    kind: c.kind as ConversionView['kind'],
    sourceArtifactId: c.sourceId,
    calibration: parseCalibrationKey(c.calibration).method,
    calibrationSetId: parseCalibrationKey(c.calibration).setId,
    status: c.status,
    artifactId: c.artifactId,
    reused: c.reused,
    attempts: c.attempts,
    report: c.report ?? null,
    error: c.errorCode ? { code: c.errorCode, message: c.errorMessage ?? '' } : null,
    createdAt: c.createdAt.toISOString(),
    startedAt: c.startedAt?.toISOString() ?? null,
    finishedAt: c.finishedAt?.toISOString() ?? null,
  };
}
