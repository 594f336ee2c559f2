/**
 * Runs ONE benchmark in its own process: `node dist/host/runner-host.js <request.json>`, started
 * by the local transport. A crashing engine then takes down only this process, and its peak RSS
 * belongs to this job alone. In-process engines (ONNX Runtime, TFLite) run here; binary runners
 * reach their program through a local transport of their own, sharing the agent's push cache.
 * Progress and the outcome are JSON lines on stdout (see runner-host.protocol.ts); engines' own
 * chatter goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { desktopRunner } from '../runners/registry.js';
import { attachAgreement } from '../runners/reference-agreement.js';
import { errorMessage, RunnerError, type FirstOutput, type RunPhase as HostProgressPhase } from '../runners/runner.js';
import { LocalTransport } from '../transports/local.transport.js';

const MIB = 1024 * 1024;
import { HOST_EXIT, HostRequestSchema, type HostMessage } from './runner-host.protocol.js';

function emit(message: HostMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function exit(code: number): void {
  // Exit once stdout has drained, so the last line is never cut off; native thread pools could
  // otherwise keep the process alive after the work is done.
  process.stdout.write('', () => process.exit(code));
}

/**
 * At most one progress line per phase change, end of phase, or 250 ms: a line per inference
 * (hundreds a second on a fast model) made the agent parse JSON beside the benchmark and
 * measurably slowed it on a 2-core host (bench/platform/layers.mjs).
 */
function throttledProgress() {
  let lastPhase = '';
  let lastAt = 0;
  return (phase: HostProgressPhase, done: number, total: number) => {
    const now = Date.now();
    if (phase === lastPhase && done < total && now - lastAt < 250) return;
    lastPhase = phase;
    lastAt = now;
    emit({ type: 'progress', phase, done, total });
  };
}

/** The agent keeps our stdin open; EOF means it died, and a benchmark nobody will read only steals the CPU. */
function exitWhenOrphaned(): void {
  process.stdin.on('end', () => {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(HOST_EXIT.badRequest);
    }
  });
  process.stdin.resume();
}

async function main(argv: string[]): Promise<void> {
  exitWhenOrphaned();
  if (argv.length !== 1) {
    emit({ type: 'error', code: 'VALIDATION_FAILED', message: 'usage: runner-host.js <request.json>', permanent: true });
    return exit(HOST_EXIT.badRequest);
  }
  let request;
  try {
    request = HostRequestSchema.parse(JSON.parse(readFileSync(argv[0]!, 'utf8')));
  } catch (err) {
    emit({ type: 'error', code: 'VALIDATION_FAILED', message: `bad request file: ${errorMessage(err)}`, permanent: true });
    return exit(HOST_EXIT.badRequest);
  }

  // Native runners this host starts get the cap itself; the host's own cap has room for V8's reservations.
  const transport = new LocalTransport({
    root: request.transportRoot,
    ...(request.settings.memoryLimitMb ? { memoryLimitBytes: request.settings.memoryLimitMb * MIB } : {}),
  });
  // The agent's workspace for this job: it removes it whatever happens here, a kill included.
  const device = { transport, workspace: { serial: transport.serial, dir: request.workspaceDir } };
  try {
    const runner = desktopRunner(request.framework, request.settings);
    let firstOutputs: FirstOutput[] | undefined;
    const output = await runner.run({
      device,
      modelPath: request.modelPath,
      ...(request.weightsPath ? { weightsPath: request.weightsPath } : {}),
      inputs: request.inputs,
      outputs: request.outputs,
      options: request.options,
      ...(request.inputFiles ? { inputFiles: request.inputFiles } : {}),
      onProgress: throttledProgress(),
      ...(request.referenceModelPath ? { onFirstOutputs: (o: FirstOutput[]) => (firstOutputs = o) } : {}),
    });
    // In-process engines leave this to the host: this process's peak RSS (KiB on Linux) is the job's.
    // Read before the reference runs, whose session would otherwise count as the job's memory.
    if (output.peakMemoryBytes === null) {
      output.peakMemoryBytes = process.resourceUsage().maxRSS * 1024;
      output.notes.push('peak memory is the whole runner process, Node runtime included');
    }
    if (request.referenceModelPath) await attachAgreement(output, request.referenceModelPath, { ...request, device }, firstOutputs);
    emit({ type: 'result', output });
    exit(HOST_EXIT.ok);
  } catch (err) {
    const e = RunnerError.from(err);
    emit({ type: 'error', code: e.code, message: e.message, permanent: e.permanent, details: e.details });
    exit(e.permanent ? HOST_EXIT.permanent : HOST_EXIT.transient);
  }
}

void main(process.argv.slice(2));
