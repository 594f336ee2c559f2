/**
 * Makes the int8 variant of an fp32 ONNX artifact for a queued conversion, with the project's
 * post-training quantizer (per-channel symmetric int8 weights, per-tensor activations, min-max or
 * percentile calibration), run in a capped child process (quantize-child.ts) because the model is
 * untrusted. The variant is stored as a derived artifact, deduplicated by sha256, so fp32 and int8
 * can be benchmarked side by side; a variant already made with the same calibration is reused.
 * When the conversion ends, the jobs waiting for it are queued or failed with its error.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomainError, parseCalibrationKey, type ErrorCode, type QuantizeInt8Payload, type QuantizeInt8Result } from '@farm/contracts';
import { inspectModel } from '@farm/model-inspect';
import { APP_CONFIG, type AppConfig } from '@farm/api/config/app-config';
import { ArtifactStore, sha256Hex } from '@farm/api/models/artifact-store.service';
import { ModelsRepository, type ArtifactRow } from '@farm/api/models/models.repository';
import { ConversionsRepository, type ConversionRow } from '@farm/api/conversions/conversions.repository';
import { TensorsRepository } from '@farm/api/tensors/tensors.repository';
import { existingVariant, isQuantizable } from '@farm/api/conversions/conversions.service';
import { JobLifecycleService } from '@farm/api/jobs/job-lifecycle.service';
import type { Prisma } from '@farm/api/generated/prisma/client';
import { prlimitAvailable, runCappedChild, type CappedChildOutcome } from './capped-child.js';
import { readChildAnswer } from './child-answer.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./quantize-child.js', import.meta.url));

/** A failure that retrying cannot fix (the model, the caps); anything else is retried by the queue. */
export class PermanentConversionError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What the queue knows about this attempt: a transient failure on the last one is final. */
export interface AttemptInfo {
  attempt: number;
  final: boolean;
}

@Injectable()
export class Int8ConversionService implements OnModuleInit {
  private readonly logger = new Logger(Int8ConversionService.name);
  private withPrlimit = false;

  constructor(
    private readonly conversions: ConversionsRepository,
    private readonly tensors: TensorsRepository,
    private readonly models: ModelsRepository,
    private readonly store: ArtifactStore,
    private readonly lifecycle: JobLifecycleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.withPrlimit = prlimitAvailable();
    const c = this.config.conversion;
    this.logger.log(
      `conversions run in a child process: heap ${c.heapMb} MiB, ${this.withPrlimit ? `address space ${c.memoryBytes / 1048576} MiB (prlimit RLIMIT_AS)` : 'no address-space cap (prlimit not found)'}, ${c.timeoutMs} ms, ${c.attempts} attempt(s)`,
    );
  }

  async run(payload: QuantizeInt8Payload, at: AttemptInfo): Promise<QuantizeInt8Result> {
    const c = await this.conversions.find(payload.conversionId);
    if (!c) throw new PermanentConversionError('CONVERSION_NOT_FOUND', `no conversion ${payload.conversionId} (its model was deleted?)`);
    if ((await this.conversions.markStarted(c.id, payload.generation)) === 0) {
      // Ended already, or re-queued under a newer generation that its own job runs.
      this.logger.log(`conversion ${c.id} generation ${payload.generation} is ${c.status} (generation ${c.generation}); nothing to do`);
      return { status: c.status, artifactId: c.artifactId };
    }
    try {
      const { artifact, reused, report } = await this.int8Variant(c);
      await this.conversions.markSucceeded(c.id, payload.generation, artifact.id, reused, report as Prisma.InputJsonValue);
      await this.lifecycle.settleWaiting(c.id);
      return { status: 'succeeded', artifactId: artifact.id };
    } catch (e) {
      const permanent = e instanceof PermanentConversionError || e instanceof DomainError;
      const code = permanent ? (e as PermanentConversionError).code : 'CONVERSION_CRASHED';
      const terminal = permanent || at.final;
      const message = terminal ? (e as Error).message : `attempt ${at.attempt} failed, will retry: ${(e as Error).message}`;
      await this.conversions.recordFailure(c.id, payload.generation, code, message, terminal);
      if (terminal) await this.lifecycle.settleWaiting(c.id);
      this.logger.warn(`conversion ${c.id}: ${message}`);
      throw e;
    }
  }

  private async int8Variant(c: ConversionRow): Promise<{ artifact: ArtifactRow; reused: boolean; report: unknown }> {
    const model = await this.models.findModel(c.modelId);
    const source = model?.artifacts.find((a) => a.id === c.sourceId);
    if (!model || !source) throw new PermanentConversionError('ARTIFACT_NOT_FOUND', `the source artifact ${c.sourceId} of conversion ${c.id} is gone`);
    if (!isQuantizable(source)) throw new PermanentConversionError('VALIDATION_FAILED', `artifact ${source.id} is not an fp32 ONNX artifact`);
    const existing = existingVariant(model.artifacts, source.id, c.calibration);
    const reuse = (a: ArtifactRow) => ({ artifact: a, reused: true, report: (a.metadata as { quantization?: unknown }).quantization });
    if (existing && (await this.store.has(existing.sha256))) return reuse(existing);
    if (!(await this.store.has(source.sha256))) {
      throw new PermanentConversionError(
        'ARTIFACT_NOT_FOUND',
        `the file of artifact ${source.id} is missing from the artifact store; upload the same model file again to restore it, then quantize`,
      );
    }

    const t0 = performance.now();
    const { bytes, report } = await this.quantizeInChild(c, source);
    const sha256 = sha256Hex(bytes);
    if (existing) {
      // The variant's row outlived its file. Quantization is deterministic for one source and
      // calibration, so the same bytes come back and are stored again under the same sha256.
      if (sha256 !== existing.sha256) {
        throw new PermanentConversionError(
          'ARTIFACT_NOT_FOUND',
          `the file of int8 variant ${existing.id} is missing, and quantizing again gave different bytes (sha256 ${sha256}, recorded ${existing.sha256}); its results cannot be re-run on the same model`,
        );
      }
      await this.store.put(sha256, bytes);
      this.logger.log(`restored the missing file of int8 variant ${existing.id} (${c.calibration})`);
      return reuse(existing);
    }
    const info = inspectModel(bytes);
    try {
      const updated = await this.models.createArtifact(
        { modelId: model.id },
        {
          sha256,
          fileName: source.fileName.replace(/\.onnx$/i, '') + `.int8-${c.calibration.replace('+set:', '-set-')}.onnx`,
          sizeBytes: bytes.length,
          storagePath: this.store.pathFor(sha256),
          info,
          variant: 'int8_qdq',
          derivedFromId: source.id,
          version: source.version,
          // The key (method and calibration set) is what a later request is matched against.
          metadata: { quantization: { ...(report as object), calibrationKey: c.calibration } },
        },
        () => this.store.put(sha256, bytes),
      );
      this.logger.log(`quantized artifact ${source.id} (${c.calibration}) in ${Math.round(performance.now() - t0)} ms`);
      return { artifact: updated.artifacts.find((a) => a.sha256 === sha256)!, reused: false, report };
    } catch (e) {
      const raced = await this.models.findArtifactBySha(sha256);
      if (raced) return { artifact: raced, reused: true, report };
      await this.models.forgetUnstored([sha256], (sha) => this.store.remove(sha));
      throw e;
    }
  }

  /**
   * The child's calibration arguments: the method and the byte limit, then for an uploaded set the
   * input it feeds, its dims, and each sample's file in the artifact store (paths only: data, never
   * a command).
   */
  private async calibrationArgs(c: ConversionRow, source: ArtifactRow): Promise<string[]> {
    const { method, setId } = parseCalibrationKey(c.calibration);
    const base = [method, String(this.config.maxCalibrationBytes)];
    if (!setId) return base;
    const set = await this.tensors.findCalibrationSet(setId);
    if (!set) throw new PermanentConversionError('CALIBRATION_SET_NOT_FOUND', `calibration set ${setId} of conversion ${c.id} is gone`);
    const samples = await this.tensors.findMany(set.tensorIds);
    const byId = new Map(samples.map((t) => [t.id, t]));
    const paths: string[] = [];
    for (const id of set.tensorIds) {
      const t = byId.get(id);
      if (!t || !(await this.store.has(t.sha256)))
        throw new PermanentConversionError('TENSOR_NOT_FOUND', `calibration sample ${id} is missing; upload it again`);
      paths.push(this.store.pathFor(t.sha256));
    }
    const input = set.inputName ?? (source.inputs as unknown as { name: string }[])[0]!.name;
    return [...base, input, set.shape.join('x'), ...paths];
  }

  /** The quantized bytes and report from a capped child; a crash is thrown as transient, what the child refused as permanent. */
  private async quantizeInChild(c: ConversionRow, source: ArtifactRow): Promise<{ bytes: Uint8Array; report: unknown }> {
    const dir = join(this.config.artifactDir, 'tmp');
    await mkdir(dir, { recursive: true });
    const out = join(dir, `conversion-${c.id}-${randomUUID()}.onnx`);
    try {
      const o = await runCappedChild(
        {
          script: CHILD_SCRIPT,
          args: [this.store.pathFor(source.sha256), out, ...(await this.calibrationArgs(c, source))],
          memoryBytes: this.config.conversion.memoryBytes,
          heapMb: this.config.conversion.heapMb,
          timeoutMs: this.config.conversion.timeoutMs,
          onSpawn: (pid) => this.logger.log(`conversion ${c.id}: quantizing artifact ${source.id} (${c.calibration}) in child pid ${pid}`),
        },
        this.withPrlimit,
      );
      const answer = readChildAnswer(o.stdout);
      if (answer?.ok) return { bytes: new Uint8Array(await readFile(out)), report: answer.report };
      if (answer) throw new PermanentConversionError(answer.code, `the quantizer could not process artifact ${source.id}: ${answer.message}`);
      throw this.crash(o);
    } finally {
      await rm(out, { force: true });
    }
  }

  private crash(o: CappedChildOutcome): Error {
    const c = this.config.conversion;
    if (o.timedOut)
      return new PermanentConversionError(
        'CONVERSION_TIMEOUT',
        `quantization did not finish within ${c.timeoutMs} ms (CONVERSION_TIMEOUT_MS); the child was killed`,
      );
    if (/heap out of memory|Allocation failed|bad_alloc|Cannot allocate memory|out of memory/i.test(o.stderr)) {
      return new PermanentConversionError(
        'CONVERSION_OUT_OF_MEMORY',
        `quantization ran out of memory under the child's caps (heap ${c.heapMb} MiB, address space ${c.memoryBytes / 1048576} MiB; CONVERSION_MEMORY_MB)`,
      );
    }
    const how = o.signal ? `was killed by ${o.signal}` : `exited with code ${o.exitCode}`;
    const tail = o.stderr.trim().split('\n').slice(-3).join(' | ');
    return new Error(`the quantization child ${how} without an answer${tail ? ` (${tail})` : ''}`);
  }
}
