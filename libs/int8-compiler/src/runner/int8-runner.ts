/**
 * Thin client of the native `int8-runner` binary (runner contract in PLAN_FORMAT.md): packs
 * graph inputs into the --input file, runs it, and unpacks --output bytes per the plan's
 * declared outputs. Used by the tests and the bench; the desktop agent has its own runner.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomainError, nativeRunnerInputArg } from '@farm/contracts';
import type { TensorDecl } from '../plan/plan-writer.js';

/**
 * Where build.sh puts the x86-64 runner. FARM_INT8_RUNNER points the tests and the bench at
 * another build of the same program, e.g. the arm64 one under qemu (device-agents/native/qemu-int8-runner.sh).
 */
export const DEFAULT_RUNNER = process.env.FARM_INT8_RUNNER
  ? resolve(process.env.FARM_INT8_RUNNER)
  : resolve(dirname(fileURLToPath(import.meta.url)), '../../../../device-agents/native/build/x86_64/int8-runner');

export function runnerAvailable(path = DEFAULT_RUNNER): boolean {
  return existsSync(path);
}

export interface RunnerReport {
  runner: string;
  version?: string;
  isa?: string;
  threads: number;
  loadMs: number;
  firstInferenceMs?: number;
  latenciesMs: number[];
  layers: { name: string; opType: string; timeMs: number }[];
  peakMemoryBytes?: number;
  outputs?: { name: string; dtype: string; shape: number[] }[];
}

export interface RunOptions {
  runner?: string;
  planPath: string;
  /** One buffer per graph input, already in the declared dtype and shape. */
  inputs?: ArrayBufferView[];
  warmup?: number;
  runs?: number;
  profileRuns?: number;
  /** Decode the first inference's outputs against these declarations. */
  outputs?: TensorDecl[];
  timeoutMs?: number;
}

export interface RunResult {
  report: RunnerReport;
  outputs: (Float32Array | Uint8Array | Int8Array | Int32Array)[];
}

const SIZE: Record<string, number> = { float32: 4, int32: 4, int8: 1, uint8: 1 };

/** The plan's graph inputs (name and storage shape), in plan order. */
function planInputs(planPath: string): { name: string; shape: number[] }[] {
  const plan = JSON.parse(readFileSync(planPath, 'utf8')) as { tensors: { id: number; name: string; shape: number[] }[]; inputs: number[] };
  return plan.inputs.map((id) => {
    const t = plan.tensors.find((x) => x.id === id);
    if (!t) throw new DomainError('VALIDATION_FAILED', `the plan's input ${id} is not among its tensors`);
    return { name: t.name, shape: t.shape.length ? t.shape : [1] };
  });
}

export async function runPlan(o: RunOptions): Promise<RunResult> {
  const runner = o.runner ?? DEFAULT_RUNNER;
  if (!existsSync(runner)) throw new DomainError('RUNNER_UNAVAILABLE', `int8-runner not built at ${runner} (run device-agents/native/build.sh)`);
  const dir = mkdtempSync(join(tmpdir(), 'int8-run-'));
  try {
    const args = [
      '--model',
      o.planPath,
      '--warmup',
      String(o.warmup ?? 0),
      '--runs',
      String(o.runs ?? 1),
      '--profile-runs',
      String(o.profileRuns ?? 0),
      '--threads',
      '1',
    ];
    if (o.inputs) {
      // One --input per graph input, named and shaped as the plan declares it (the native-runner contract).
      const decls = planInputs(o.planPath);
      if (decls.length !== o.inputs.length) throw new DomainError('VALIDATION_FAILED', `the plan has ${decls.length} inputs, got ${o.inputs.length}`);
      o.inputs.forEach((v, i) => {
        const inFile = join(dir, `input-${i}.bin`);
        writeFileSync(inFile, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
        args.push('--input', nativeRunnerInputArg(decls[i]!.name, decls[i]!.shape, inFile));
      });
    }
    const outFile = join(dir, 'output.bin');
    if (o.outputs) args.push('--output', outFile);
    const stdout = await new Promise<string>((res, rej) => {
      execFile(runner, args, { timeout: o.timeoutMs ?? 600_000, maxBuffer: 64 << 20 }, (err, out, errOut) => {
        if (err) {
          let msg = errOut.trim() || err.message;
          try {
            const e = JSON.parse(errOut.trim().split('\n').pop() ?? '') as { error?: { code?: string; message?: string } };
            if (e.error) msg = `${e.error.code}: ${e.error.message}`;
          } catch {
            /* stderr was not the JSON error line */
          }
          rej(new DomainError('RUNNER_FAILED', `int8-runner failed: ${msg}`, { args }));
        } else res(out);
      });
    });
    let report: RunnerReport;
    try {
      report = JSON.parse(stdout) as RunnerReport;
    } catch {
      throw new DomainError('RUNNER_FAILED', `int8-runner printed no JSON: ${stdout.slice(0, 200)}`);
    }
    const outputs: RunResult['outputs'] = [];
    if (o.outputs) {
      outputs.push(...splitOutputs(o.outputs, readFileSync(outFile)));
    }
    return { report, outputs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Splits int8-runner's --output bytes into one typed array per declared output, in plan order.
 * The agent's native-int8 runner reads the same file through this.
 */
export function splitOutputs(decls: readonly TensorDecl[], raw: Uint8Array): (Float32Array | Uint8Array | Int8Array | Int32Array)[] {
  let off = 0;
  const views = decls.map((d) => {
    const size = SIZE[d.dtype];
    if (!size) throw new DomainError('RUNNER_FAILED', `output "${d.name}" has dtype ${d.dtype}, which the runtime does not write`);
    const bytes = d.shape.reduce((a, b) => a * b, 1) * size;
    // A copy: a Buffer's .buffer is often a shared pool, not this output's bytes.
    const chunk = new Uint8Array(raw.subarray(off, off + bytes)).buffer;
    off += bytes;
    return d.dtype === 'float32'
      ? new Float32Array(chunk)
      : d.dtype === 'int32'
        ? new Int32Array(chunk)
        : d.dtype === 'int8'
          ? new Int8Array(chunk)
          : new Uint8Array(chunk);
  });
  if (off !== raw.length) throw new DomainError('RUNNER_FAILED', `the output file has ${raw.length} bytes, the plan declares ${off}`);
  return views;
}

/** Real values of a runner output, dequantizing int8/uint8 per its declaration. */
export function realValues(d: TensorDecl, v: ArrayLike<number>): Float32Array {
  const out = new Float32Array(v.length);
  const s = d.quant?.scale[0] ?? 1,
    z = d.quant?.zeroPoint[0] ?? 0;
  for (let i = 0; i < v.length; i++) out[i] = d.quant ? (v[i]! - z) * s : v[i]!;
  return out;
}
