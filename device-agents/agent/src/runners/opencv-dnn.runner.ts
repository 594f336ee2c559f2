/**
 * OpenCV DNN through the native opencv_runner (device-agents/opencv-runner): an engine adapter on
 * the binary-runner base. It supplies the synthetic inputs, so OpenCV is fed exactly the bytes
 * the other frameworks get, and digests the outputs the binary writes back.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunnerOutput } from '@farm/contracts';
import { byteView, synthesizeInputs } from './input-synthesis.js';
import { NativeBinaryRunner } from './native-binary.runner.js';
import { checkDelegate, RunnerError, type RunRequest } from './runner.js';

/** Where device-agents/opencv-runner/build.sh puts the binary, seen from dist/runners/. */
export const DEFAULT_OPENCV_RUNNER_BINARY = resolve(dirname(fileURLToPath(import.meta.url)), '../../../opencv-runner/build/opencv_runner');

export class OpencvDnnRunner extends NativeBinaryRunner {
  readonly framework = 'opencv-dnn' as const;
  readonly formats = ['onnx'] as const;
  protected readonly program = 'opencv_runner';
  protected readonly buildHint = 'build it with device-agents/opencv-runner/build.sh';

  constructor(binary: string = DEFAULT_OPENCV_RUNNER_BINARY) {
    super(binary);
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    checkDelegate(this.framework, 'OpenCV DNN runner', req.options.delegate, []);
    const { options, device } = req;
    const inputs = synthesizeInputs(req.inputs, options.seed, options.inputShapes).map((input) => {
      if (input.dtype !== 'float32') {
        throw new RunnerError('VALIDATION_FAILED', `opencv-dnn: input "${input.name}" is ${input.dtype}; OpenCV DNN blobs are fed as float32 only`, true);
      }
      // Float32Array bytes are little-endian on every host this runs on, as the binary expects.
      return { name: input.name, dims: input.shape, bytes: byteView(input.data) };
    });
    const { report, outputBytes } = await this.invoke({
      device,
      // OpenCV picks its importer by the file's extension, which the push cache keeps.
      remoteModel: await this.pushFile(device, req.modelPath),
      inputs,
      threads: options.threads,
      warmupRuns: options.warmupRuns,
      timedRuns: options.timedRuns,
      profileRuns: options.profileRuns,
      onProgress: req.onProgress,
    });
    const notes: string[] = [];
    if (report.threads !== options.threads) notes.push(`requested ${options.threads} threads, OpenCV reports ${report.threads}`);
    return this.output(report, outputBytes, notes);
  }
}
