/**
 * Before anything runs: for one artifact and each framework that reads its format, whether that
 * engine can run it, from the op coverage data in ./coverage (each file names its source and the
 * pinned version). "runnable" only when the data covers every op; "not_runnable" names the op and
 * why; "unknown" wherever the data cannot say. Attributes and dtypes are not modelled, so a
 * runnable verdict can still meet an engine refusal, which the job then reports as model_rejected.
 */
import { FRAMEWORK_FORMATS, FRAMEWORKS, type Framework, type FrameworkVerdict, type ModelFormat, type TensorSpec } from '@farm/contracts';
import type { CustomOp } from '../model-info.js';
import { ONNXRUNTIME_COVERAGE } from './coverage/onnxruntime-1.30.js';
import { OPENCV_ONNX_COVERAGE } from './coverage/opencv-4.6-onnx.js';
import { TFLITE_COVERAGE } from './coverage/tflite.js';

export interface VerdictInput {
  format: ModelFormat;
  opHistogram: Record<string, number>;
  /** From the stored inspection metadata; undefined when the artifact was inspected before custom ops were listed. */
  customOps: CustomOp[] | undefined;
  /** ONNX: the default domain's opset. */
  opset?: number | null;
  /** ONNX: whether the graph is quantized (QDQ or QOperator). */
  quantized: boolean;
  /** The declared inputs: engines that feed float32 blobs only cannot feed other dtypes. */
  inputs?: readonly TensorSpec[];
}

type Reason = FrameworkVerdict['reasons'][number];

export function frameworkVerdicts(a: VerdictInput): FrameworkVerdict[] {
  return FRAMEWORKS.filter((f) => FRAMEWORK_FORMATS[f].includes(a.format)).map((f) => verdictFor(f, a));
}

function verdictFor(framework: Framework, a: VerdictInput): FrameworkVerdict {
  const v = (verdict: FrameworkVerdict['verdict'], reasons: Reason[], basis: string): FrameworkVerdict => ({ framework, verdict, reasons, basis });
  if (a.customOps === undefined && (a.format === 'onnx' || a.format === 'tflite')) {
    return v('unknown', [{ why: 'inspected before custom ops were listed: upload the file again to get a verdict' }], 'none');
  }
  const custom = a.customOps ?? [];
  switch (framework) {
    case 'onnxruntime': {
      const c = ONNXRUNTIME_COVERAGE;
      const foreign = custom.filter((o) => !(c.contribDomains as readonly string[]).includes(o.domain));
      const contrib = custom.filter((o) => (c.contribDomains as readonly string[]).includes(o.domain));
      const reasons: Reason[] = foreign.map((o) => ({
        op: o.op,
        domain: o.domain,
        why: `${o.domain}::${o.op} is a custom op: ${c.engine} has no kernel for it without a custom-op library`,
      }));
      if (a.opset != null && a.opset > c.maxDefaultOpset)
        reasons.push({ why: `the model imports ai.onnx opset ${a.opset}; ${c.engine} supports up to ${c.maxDefaultOpset}` });
      if (reasons.length) return v('not_runnable', reasons, c.engine);
      if (contrib.length)
        return v(
          'unknown',
          contrib.map((o) => ({ op: o.op, domain: o.domain, why: `${o.domain}::${o.op} is a contrib op whose CPU kernel depends on the build` })),
          c.engine,
        );
      return v('runnable', [], c.engine);
    }
    case 'opencv-dnn': {
      const c = OPENCV_ONNX_COVERAGE;
      const ops = Object.keys(a.opHistogram);
      const refused: Reason[] = [
        ...custom.map((o) => ({ op: o.op, domain: o.domain, why: `${o.domain}::${o.op} is a custom op the ONNX importer cannot parse` })),
        ...ops.filter((op) => (c.unsupportedOps as readonly string[]).includes(op)).map((op) => ({ op, why: `${op}: ${c.engine} has no control-flow layers` })),
        // opencv_runner (like ncnn-runner) builds float32 blobs: another input dtype cannot be fed.
        ...(a.inputs ?? [])
          .filter((i) => i.dtype !== 'float32')
          .map((i) => ({ why: `input "${i.name}" is ${i.dtype}; opencv_runner feeds float32 blobs only` })),
      ];
      if (refused.length) return v('not_runnable', refused, c.engine);
      const unlisted = ops.filter((op) => !(c.importerOps as readonly string[]).includes(op));
      if (unlisted.length)
        return v(
          'unknown',
          unlisted.map((op) => ({ op, why: `${op} is not in the importer's own list; the layer registry may or may not know it` })),
          c.engine,
        );
      return v('runnable', [], c.engine);
    }
    case 'tflite': {
      const c = TFLITE_COVERAGE;
      const known = custom.filter((o) => (c.resolverCustomOps as readonly string[]).includes(o.op));
      const unknown = custom.filter((o) => !(c.resolverCustomOps as readonly string[]).includes(o.op));
      if (unknown.length)
        return v(
          'not_runnable',
          unknown.map((o) => ({ op: o.op, domain: o.domain, why: `custom op ${o.op}: the farm's TFLite runtimes resolve builtin ops only` })),
          c.engine,
        );
      if (known.length)
        return v(
          'unknown',
          known.map((o) => ({ op: o.op, domain: o.domain, why: `${o.op} is registered by some TFLite builds only` })),
          c.engine,
        );
      return v('runnable', [], c.engine);
    }
    case 'native-int8':
      if (!a.quantized) {
        return v(
          'not_runnable',
          [{ why: 'an fp32 graph: native-int8 runs quantized ONNX only; ask for "quantize" to benchmark its int8 variant' }],
          'the int8 compiler (libs/int8-compiler)',
        );
      }
      return v(
        'unknown',
        [{ why: 'the int8 compiler decides per node and attribute when the job runs; a node it cannot lower fails the job at once, named' }],
        'the int8 compiler (libs/int8-compiler)',
      );
    default:
      return v('unknown', [{ why: `no op coverage table is kept for ${framework}` }], 'none');
  }
}
