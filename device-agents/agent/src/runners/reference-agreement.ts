/**
 * How closely a quantized variant's outputs agree with its fp32 reference: the reference runs
 * once with ONNX Runtime on the same seeded inputs, after the candidate's timed runs, and the
 * first-inference outputs of both are compared over all outputs concatenated.
 */
import type { RunnerOutput } from '@farm/contracts';
import { agreement } from '@farm/int8-compiler';
import { OnnxruntimeRunner } from './onnxruntime.runner.js';
import { RunnerError, type FirstOutput, type RunRequest } from './runner.js';

export const REFERENCE_FRAMEWORK = 'onnxruntime (fp32)';

type Agreement = NonNullable<RunnerOutput['agreement']>;

export async function referenceAgreement(
  referenceModelPath: string,
  req: Pick<RunRequest, 'device' | 'inputs' | 'options' | 'inputFiles'>,
  candidate: FirstOutput[],
): Promise<Agreement> {
  let reference: FirstOutput[] | undefined;
  await new OnnxruntimeRunner().run({
    device: req.device,
    modelPath: referenceModelPath,
    inputs: req.inputs,
    ...(req.inputFiles ? { inputFiles: req.inputFiles } : {}),
    // Every output the reference has; they are matched to the candidate's below.
    outputs: [],
    // One inference is all that is needed; timedRuns cannot be 0, and that run is discarded.
    options: { ...req.options, warmupRuns: 0, timedRuns: 1, profileRuns: 0 },
    onFirstOutputs: (outputs) => {
      reference = outputs;
    },
  });
  if (!reference) throw RunnerError.failed('the fp32 reference produced no outputs');
  const pairs = matchOutputs(reference, candidate);
  const size = pairs.reduce((n, [r]) => n + r.values.length, 0);
  const ref = new Float32Array(size);
  const cand = new Float32Array(size);
  let off = 0;
  for (const [r, c] of pairs) {
    if (r.values.length !== c.values.length) {
      throw RunnerError.failed(`output "${c.name}" has ${c.values.length} elements, the fp32 reference's "${r.name}" has ${r.values.length}`);
    }
    ref.set(r.values, off);
    cand.set(c.values, off);
    off += r.values.length;
  }
  const a = agreement(ref, cand);
  return { cosine: a.cosine, maxAbsError: a.maxAbsError, meanAbsError: a.meanAbsError, elements: a.elements, referenceFramework: REFERENCE_FRAMEWORK };
}

/**
 * Sets `output.agreement` from a comparison with the fp32 reference, after every measured run so
 * the reference never shares the CPU or caches with them. A failed comparison leaves the
 * measurements valid: the result then says why it has no agreement.
 */
export async function attachAgreement(
  output: RunnerOutput,
  referenceModelPath: string,
  req: Pick<RunRequest, 'device' | 'inputs' | 'options' | 'inputFiles'>,
  candidate: FirstOutput[] | undefined,
): Promise<void> {
  try {
    if (!candidate) throw new Error(`${output.framework} did not hand back its first outputs`);
    output.agreement = await referenceAgreement(referenceModelPath, req, candidate);
  } catch (err) {
    output.agreement = null;
    output.notes.push(`no agreement with the fp32 reference: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Quantizers keep graph output names, so outputs pair up by name; a variant that renamed them
 * (but kept their number) pairs up by position.
 */
function matchOutputs(reference: FirstOutput[], candidate: FirstOutput[]): [FirstOutput, FirstOutput][] {
  const byName = new Map(reference.map((r) => [r.name, r]));
  if (candidate.every((c) => byName.has(c.name))) return candidate.map((c) => [byName.get(c.name)!, c]);
  if (reference.length === candidate.length) return candidate.map((c, i) => [reference[i]!, c]);
  throw RunnerError.failed(
    `cannot pair outputs with the fp32 reference: candidate has ${candidate.map((c) => `"${c.name}"`).join(', ')}, reference has ${reference.map((r) => `"${r.name}"`).join(', ')}`,
  );
}
