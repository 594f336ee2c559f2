/**
 * Uploaded input tensors: read (.npy or ONNX TensorProto, in the API's capped parse: the header
 * must match the bytes), bounded like the inputs of one inference (BENCHMARK_MAX_INPUT_MB), stored
 * content-addressed as raw little-endian elements, and resolved for benchmark requests that name
 * them in options.inputs.
 */
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, type CalibrationSetView, type TensorView, type BenchmarkOptions, type BenchmarkRequest, type InputSpec } from '@farm/contracts';
import { parseTensorFile } from '@farm/model-inspect';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ArtifactStore, sha256Hex } from '../models/artifact-store.service.js';
import { TensorsRepository } from './tensors.repository.js';

type TensorRow = NonNullable<Awaited<ReturnType<TensorsRepository['find']>>>;

export function tensorView(t: TensorRow): TensorView {
  return {
    id: t.id,
    format: t.format,
    dtype: t.dtype,
    shape: t.shape,
    sizeBytes: t.sizeBytes,
    sha256: t.sha256,
    fileName: t.fileName,
    createdAt: t.createdAt.toISOString(),
  };
}

type CalibrationSetRow = NonNullable<Awaited<ReturnType<TensorsRepository['findCalibrationSet']>>>;

export function calibrationSetView(s: CalibrationSetRow): CalibrationSetView {
  return {
    id: s.id,
    inputName: s.inputName,
    tensorIds: s.tensorIds,
    samples: s.tensorIds.length,
    dtype: s.dtype,
    shape: s.shape,
    totalBytes: s.totalBytes,
    createdAt: s.createdAt.toISOString(),
  };
}

@Injectable()
export class TensorsService {
  constructor(
    private readonly repo: TensorsRepository,
    private readonly store: ArtifactStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async upload(bytes: Uint8Array, fileName: string) {
    const parsed = parseTensorFile(bytes);
    if (parsed.data.length > this.config.maxInputBytes) {
      throw new DomainError(
        'TENSOR_TOO_LARGE',
        `the tensor holds ${parsed.data.length} bytes; one inference's inputs may take at most ${this.config.maxInputBytes} (BENCHMARK_MAX_INPUT_MB)`,
        { sizeBytes: parsed.data.length, limitBytes: this.config.maxInputBytes },
      );
    }
    const sha256 = sha256Hex(parsed.data);
    await this.store.put(sha256, parsed.data);
    const row = await this.repo.create({
      sha256,
      format: parsed.format,
      dtype: parsed.dtype,
      shape: parsed.shape,
      sizeBytes: parsed.data.length,
      fileName: fileName.slice(0, 255),
    });
    return tensorView(row);
  }

  /**
   * A calibration set from uploaded tensors, one sample each: float32, one shape, at most
   * CALIBRATION_SET_MAX_SAMPLES, together within MAX_CALIBRATION_MB.
   */
  async createCalibrationSet(tensorIds: string[], inputName: string | undefined) {
    const rows = await this.repo.findMany([...new Set(tensorIds)]);
    const byId = new Map(rows.map((t) => [t.id, t]));
    const missing = tensorIds.filter((id) => !byId.has(id));
    if (missing.length) throw new DomainError('TENSOR_NOT_FOUND', `no tensor with id ${missing.join(', ')}; upload each sample with POST /tensors`);
    const samples = tensorIds.map((id) => byId.get(id)!);
    const first = samples[0]!;
    const odd = samples.find((t) => t.dtype !== 'float32' || t.shape.join(',') !== first.shape.join(','));
    if (odd) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `calibration samples are float32 tensors of one shape: tensor ${odd.id} is ${odd.dtype} [${odd.shape.join(', ')}], tensor ${first.id} ${first.dtype} [${first.shape.join(', ')}]`,
      );
    }
    const totalBytes = samples.reduce((n, t) => n + t.sizeBytes, 0);
    if (totalBytes > this.config.maxCalibrationBytes) {
      throw new DomainError(
        'CALIBRATION_TOO_LARGE',
        `the samples take ${totalBytes} bytes, above MAX_CALIBRATION_MB (${this.config.maxCalibrationBytes} bytes)`,
        {
          calibrationBytes: totalBytes,
          limitBytes: this.config.maxCalibrationBytes,
        },
      );
    }
    const set = await this.repo.createCalibrationSet({ inputName: inputName ?? null, tensorIds, dtype: first.dtype, shape: first.shape, totalBytes });
    return calibrationSetView(set);
  }

  async getCalibrationSet(id: string) {
    const s = await this.repo.findCalibrationSet(id);
    if (!s) throw new DomainError('CALIBRATION_SET_NOT_FOUND', `no calibration set with id "${id}"; create one with POST /calibration-sets`);
    return calibrationSetView(s);
  }

  async get(id: string) {
    const t = await this.repo.find(id);
    if (!t) throw new DomainError('TENSOR_NOT_FOUND', `no tensor with id "${id}"; upload one with POST /tensors`);
    return tensorView(t);
  }

  /**
   * The request with every "file" input resolved to its stored tensor's sha256, dtype and shape,
   * whatever the request said of them: the jobs carry what the agent fetches and checks.
   */
  async resolve(req: BenchmarkRequest): Promise<BenchmarkRequest> {
    const sets: BenchmarkOptions[] = req.options === undefined ? [] : Array.isArray(req.options) ? req.options : [req.options];
    const ids = [...new Set(sets.flatMap((o) => Object.values(o.inputs ?? {}).flatMap((s) => (s.kind === 'file' ? [s.tensorId] : []))))];
    if (ids.length === 0) return req;
    const rows = new Map((await this.repo.findMany(ids)).map((t) => [t.id, t]));
    const missing = ids.filter((id) => !rows.has(id));
    if (missing.length) throw new DomainError('TENSOR_NOT_FOUND', `no tensor with id ${missing.join(', ')}; upload tensors with POST /tensors`);
    const resolveSet = (o: BenchmarkOptions): BenchmarkOptions => {
      if (!o.inputs) return o;
      const inputs: Record<string, InputSpec> = {};
      for (const [name, s] of Object.entries(o.inputs)) {
        const t = s.kind === 'file' ? rows.get(s.tensorId)! : undefined;
        inputs[name] = t ? { kind: 'file', tensorId: t.id, sha256: t.sha256, dtype: t.dtype as never, shape: t.shape } : s;
      }
      return { ...o, inputs };
    };
    return { ...req, options: Array.isArray(req.options) ? req.options.map(resolveSet) : resolveSet(req.options!) };
  }
}
