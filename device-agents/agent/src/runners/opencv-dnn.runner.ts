/**
 * OpenCV DNN through the native opencv_runner (device-agents/opencv-runner): an engine adapter on
 * the binary-runner base. It supplies the synthetic inputs, so OpenCV is fed exactly the bytes
 * the other frameworks get, and digests the outputs the binary writes back.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunnerOutput } from '@farm/contracts';
import { NativeBinaryRunner } from './native-binary.runner.js';
import { checkDelegate, type RunRequest } from './runner.js';

/** Where device-agents/opencv-runner/build.sh puts the binary, seen from dist/runners/. */
export const DEFAULT_OPENCV_RUNNER_BINARY = resolve(dirname(fileURLToPath(import.meta.url)), '../../../opencv-runner/build/opencv_runner');

export class OpencvDnnRunner extends NativeBinaryRunner {
  readonly framework = 'opencv-dnn' as const;
  readonly formats = ['onnx'] as const;
  protected readonly program = 'opencv_runner';
  protected readonly engine = 'opencv-dnn' as const;
  protected readonly buildHint = 'build it with device-agents/opencv-runner/build.sh';

  constructor(binary: string = DEFAULT_OPENCV_RUNNER_BINARY) {
    super(binary);
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    checkDelegate(this.framework, 'OpenCV DNN runner', req.options.delegate, []);
    const { report, outputBytes } = await this.invoke({
      ...this.runSettings(req),
      // OpenCV picks its importer by the file's extension, which the push cache keeps.
      remoteModel: await this.pushFile(req.device, req.modelPath),
      inputs: this.float32Inputs(req, 'OpenCV DNN'),
    });
    const { options } = req;
    const notes: string[] = [];
    if (report.threads !== options.threads) notes.push(`requested ${options.threads} threads, OpenCV reports ${report.threads}`);
    return this.output(report, outputBytes, notes);
  }
}
