/**
 * NCNN through the native ncnn-runner (device-agents/ncnn-runner): an engine adapter on the
 * binary-runner base. An NCNN model is two files, so both the .param (--model) and the .bin
 * (--weights) are pushed through the transport; the inputs come from the shared input synthesis,
 * so NCNN is fed exactly the bytes the other frameworks get.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunnerOutput } from '@farm/contracts';
import { NativeBinaryRunner } from './native-binary.runner.js';
import { checkDelegate, RunnerError, type RunRequest } from './runner.js';

const BUILD_ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';

/** Where device-agents/ncnn-runner/build.sh puts the binary for this host, seen from dist/runners/. */
export const DEFAULT_NCNN_RUNNER_BINARY = resolve(dirname(fileURLToPath(import.meta.url)), `../../../ncnn-runner/build/${BUILD_ARCH}/ncnn-runner`);

export class NcnnRunner extends NativeBinaryRunner {
  readonly framework = 'ncnn' as const;
  readonly formats = ['ncnn'] as const;
  protected readonly program = 'ncnn-runner';
  protected readonly engine = 'ncnn' as const;
  protected readonly buildHint = `build NCNN, then NCNN_DIR=<its install> device-agents/ncnn-runner/build.sh ${BUILD_ARCH} (device-agents/ncnn-runner/README.md), or set NCNN_RUNNER`;

  constructor(binary: string = DEFAULT_NCNN_RUNNER_BINARY) {
    super(binary);
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    checkDelegate(this.framework, 'ncnn-runner', req.options.delegate, []);
    if (!req.weightsPath)
      throw new RunnerError('VALIDATION_FAILED', 'ncnn: the job carries no .bin for this .param (upload the model with its "weights")', true);
    const { report, outputBytes } = await this.invoke({
      ...this.runSettings(req),
      remoteModel: await this.pushFile(req.device, req.modelPath),
      remoteWeights: await this.pushFile(req.device, req.weightsPath),
      inputs: this.float32Inputs(req, 'NCNN'),
    });
    const notes: string[] = [];
    if (report.profiledRuns > 0) {
      notes.push('per-layer times: each layer extracted and timed in turn on one Extractor with light mode off (stock NCNN, no NCNN_BENCHMARK build)');
    }
    return this.output(report, outputBytes, notes);
  }
}
