/**
 * Expands a benchmark request into cells (device x framework x artifact x option set), refusing
 * what cannot run with a code and a message the user can act on. Pure, so it is unit-tested
 * without a database.
 */
import { randomUUID } from 'node:crypto';
import {
  checkInputSpecs,
  BenchmarkOptionsSchema,
  computeUnitsProblem,
  delegateProblem,
  DomainError,
  FRAMEWORK_FORMATS,
  frameworkReads,
  resolveInputShapes,
  isTargetableStatus,
  type BenchmarkOptions,
  type BenchmarkRequest,
  type DeviceStatus,
  type Framework,
  type ModelFormat,
  type TensorSpec,
} from '@farm/contracts';

export interface MatrixDevice {
  id: string;
  name: string;
  frameworks: Framework[];
}
export interface MatrixArtifact {
  id: string;
  format: ModelFormat;
  inputs: TensorSpec[];
  /** A quantized graph (QDQ or QOperator): the only kind native-int8 runs. */
  quantized: boolean;
}

/** Whether a framework runs an artifact: by format, and for our int8 runtime only quantized graphs. */
export function frameworkRuns(f: Framework, a: Pick<MatrixArtifact, 'format' | 'quantized'>): boolean {
  return frameworkReads(f, a.format) && (f !== 'native-int8' || a.quantized);
}
export interface TargetDevice {
  id: string;
  name: string;
  /** The effective status (a silent agent's devices are offline). */
  status: DeviceStatus;
}

/** Why a device cannot take jobs, as a user can act on it. */
function unavailableReason(d: TargetDevice): string {
  return d.status === 'unauthorized'
    ? `"${d.name}" (${d.id}) is unauthorized: accept this host's USB debugging key on the phone, then its agent lists it again`
    : `"${d.name}" (${d.id}) is offline: its agent no longer lists it or has stopped sending heartbeats`;
}

/**
 * Splits the targeted devices into those a job may be queued on and those it may not (unauthorized,
 * offline): nothing is ever queued on the latter. Explicitly named devices that are all unavailable
 * are refused with DEVICE_UNAVAILABLE; otherwise the unavailable ones are skipped and reported.
 */
export function targetableDevices<D extends TargetDevice>(devices: D[]): { usable: D[]; skipped: D[] } {
  const usable = devices.filter((d) => isTargetableStatus(d.status));
  const skipped = devices.filter((d) => !isTargetableStatus(d.status));
  if (usable.length === 0 && skipped.length > 0) {
    throw new DomainError('DEVICE_UNAVAILABLE', `no benchmark can be queued on the chosen device(s): ${skipped.map(unavailableReason).join('; ')}`, {
      devices: skipped.map((d) => ({ id: d.id, name: d.name, status: d.status })),
    });
  }
  return { usable, skipped };
}

export interface Cell {
  id: string;
  deviceId: string;
  artifactId: string;
  framework: Framework;
  options: BenchmarkOptions;
}

export const MAX_CELLS = 1000;

export function expandMatrix(req: BenchmarkRequest, devices: MatrixDevice[], artifacts: MatrixArtifact[], explicitDevices: boolean): Cell[] {
  const optionSets: BenchmarkOptions[] =
    req.options === undefined ? [BenchmarkOptionsSchema.parse({})] : Array.isArray(req.options) ? req.options : [req.options];
  // Shapes, then the given input values against them: a request that cannot be fed is refused before anything is queued.
  for (const a of artifacts) for (const o of optionSets) checkInputSpecs(resolveInputShapes(a.inputs, o.inputShapes), o.inputs);

  const formats = [...new Set(artifacts.map((a) => a.format))];
  if (req.frameworks) {
    for (const f of req.frameworks) {
      if (f === 'native-int8' && artifacts.some((a) => a.format === 'onnx') && !artifacts.some((a) => frameworkRuns(f, a))) {
        throw new DomainError(
          'FRAMEWORK_UNSUPPORTED',
          'native-int8 runs quantized ONNX graphs only; add "quantize": { "calibration": "percentile" } to the request to benchmark the int8 variant of the fp32 model',
        );
      }
      if (!artifacts.some((a) => frameworkReads(f, a.format))) {
        const reads = FRAMEWORK_FORMATS[f];
        throw new DomainError(
          'FRAMEWORK_UNSUPPORTED',
          `${f} reads ${reads.length ? reads.join('/') : 'no uploadable format yet'}, but the chosen artifacts are ${formats.join('/')}; upload a ${reads[0] ?? 'supported'} artifact of this model (POST /models with modelId)`,
        );
      }
    }
  }

  const cells: Cell[] = [];
  for (const d of devices) {
    const wanted = req.frameworks ?? d.frameworks;
    for (const f of wanted) {
      if (!d.frameworks.includes(f)) {
        if (explicitDevices && req.frameworks) {
          throw new DomainError(
            'FRAMEWORK_UNSUPPORTED',
            `device "${d.name}" (${d.id}) cannot run ${f}; it offers ${d.frameworks.join(', ') || 'no frameworks'}`,
          );
        }
        continue;
      }
      for (const a of artifacts) {
        if (!frameworkRuns(f, a)) continue;
        // A delegate or compute units one framework cannot take leave that framework's cells out; explicit frameworks were refused by the request schema.
        for (const options of optionSets)
          if (delegateProblem(f, options.delegate) === null && computeUnitsProblem(f, options.computeUnits) === null)
            cells.push({ id: randomUUID(), deviceId: d.id, artifactId: a.id, framework: f, options });
      }
    }
  }
  if (req.frameworks) {
    for (const f of req.frameworks) {
      if (!cells.some((c) => c.framework === f)) {
        throw new DomainError(
          'FRAMEWORK_UNSUPPORTED',
          `no chosen device can run ${f}; devices: ${devices.map((d) => `${d.name} (${d.frameworks.join(', ')})`).join('; ')}`,
        );
      }
    }
  }
  if (cells.length === 0) {
    throw new DomainError(
      'FRAMEWORK_UNSUPPORTED',
      `none of the chosen devices has a framework that reads ${formats.join('/')}; devices: ${devices.map((d) => `${d.name} (${d.frameworks.join(', ') || 'none'})`).join('; ')}`,
    );
  }
  if (cells.length > MAX_CELLS) throw new DomainError('VALIDATION_FAILED', `the request expands to ${cells.length} jobs; the limit is ${MAX_CELLS} per run`);
  return cells;
}
