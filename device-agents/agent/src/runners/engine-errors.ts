/**
 * Engine failures, classified in one place per engine: each engine's table below says which of
 * its messages mean the model was rejected, the inputs were refused, memory ran out, or the engine
 * crashed (timeouts are known from the clock, never from a message). The class decides the stored
 * code and whether the queue retries (engineErrorRetryable); the engine's message is kept verbatim
 * and a hint says what the user can change.
 */
import { engineErrorRetryable, formatShape, type BenchmarkOptions, type EngineErrorClass, type NativeRunnerErrorKind, type TensorSpec } from '@farm/contracts';

export const ENGINES = [
  'onnxruntime-node',
  'tflite-wasm',
  'opencv-dnn',
  'native-int8',
  'ncnn',
  'tflite-benchmark-model',
  'onnxruntime-perf-test',
  'coreml-host',
  /** The runner host process itself, when it dies without naming a reason. */
  'runner-process',
] as const;
export type Engine = (typeof ENGINES)[number];

/** When in the run the engine failed: creating the session / interpreter, or running it. */
export type EngineStage = 'load' | 'run';

export interface EngineFailureContext {
  stage: EngineStage;
  /** The model's declared inputs and the job's options: which inputs were synthetic, for the hint. */
  inputs?: readonly TensorSpec[];
  options?: Pick<BenchmarkOptions, 'inputs'>;
  /** A native runner program's own error code, when it reported one. */
  nativeKind?: NativeRunnerErrorKind;
  nativeCode?: string;
}

export interface EngineFailure {
  errorClass: EngineErrorClass;
  retryable: boolean;
  hint?: string;
}

interface EngineTable {
  /** First match wins; checked after the allocation patterns every engine shares. */
  patterns: readonly [RegExp, EngineErrorClass][];
  /** The class of a failure no pattern names. */
  otherwise: Record<EngineStage, EngineErrorClass>;
}

/**
 * Allocation failures, the same for every engine: V8's typed-array and heap limits, C++ bad_alloc,
 * ONNX Runtime's and TFLite's allocators, ENOMEM under the runner memory cap (RLIMIT_AS).
 */
const OUT_OF_MEMORY =
  /Invalid typed array length|Array buffer allocation failed|Invalid array length|heap out of memory|Reached heap limit|std::bad_alloc|Failed to allocate memory|Cannot allocate memory|ENOMEM|out of memory/i;

const NATIVE_PATTERNS: readonly [RegExp, EngineErrorClass][] = [[/shape_mismatch|input .* (has|expects) .*(shape|elements|bytes)/i, 'invalid_input']];

const ENGINE_TABLES: Record<Engine, EngineTable> = {
  'onnxruntime-node': {
    patterns: [
      [
        /INVALID_ARGUMENT|Got invalid dimensions|Invalid rank for input|Unexpected input data type|input '.*' is missing|Attempting to broadcast|ShapeInferenceError|shape mismatch|dimension mismatch|Invalid (input )?shape|requested shape/i,
        'invalid_input',
      ],
      // A kernel that returned a status after the session loaded: the model is fine, the values it met are not.
      [/Non-zero status code returned while running/i, 'invalid_input'],
      [
        /NOT_IMPLEMENTED|Could not find an implementation|protobuf parsing failed|Load model .* failed|No opset import|Unrecognized attribute|is not a registered function|INVALID_GRAPH|Type Error/i,
        'model_rejected',
      ],
    ],
    otherwise: { load: 'model_rejected', run: 'crash' },
  },
  'tflite-wasm': {
    patterns: [
      [
        /Didn't find op for builtin opcode|Encountered unresolved custom op|Can't initialize model|Registration failed|Op builtin_code out of range/i,
        'model_rejected',
      ],
      // Invoke() failing is deterministic for the same model and inputs (a gather index, a reshape of the fed values).
      [/Infer\(\) returned false|failed to invoke|Invoke\(\) failed/i, 'invalid_input'],
    ],
    otherwise: { load: 'model_rejected', run: 'crash' },
  },
  'opencv-dnn': {
    patterns: [
      ...NATIVE_PATTERNS,
      [/Assertion failed.*(total\(\)|shape|inputs\[|dims|size\(\))/is, 'invalid_input'],
      [/Failed to parse|Unsupported|not supported|Can't create layer/i, 'model_rejected'],
    ],
    otherwise: { load: 'model_rejected', run: 'crash' },
  },
  'native-int8': { patterns: [...NATIVE_PATTERNS], otherwise: { load: 'model_rejected', run: 'crash' } },
  ncnn: {
    patterns: [...NATIVE_PATTERNS, [/layer .* not exists or registered|network graph not ready/i, 'model_rejected']],
    otherwise: { load: 'model_rejected', run: 'crash' },
  },
  'tflite-benchmark-model': {
    patterns: [
      [/Failed to invoke|Invoke\(\) failed/i, 'invalid_input'],
      [/ERROR/, 'model_rejected'],
    ],
    otherwise: { load: 'model_rejected', run: 'crash' },
  },
  'onnxruntime-perf-test': {
    patterns: [
      [/INVALID_ARGUMENT|Non-zero status code returned while running/i, 'invalid_input'],
      [/NOT_IMPLEMENTED|Load model .* failed/i, 'model_rejected'],
    ],
    otherwise: { load: 'model_rejected', run: 'crash' },
  },
  'coreml-host': { patterns: [], otherwise: { load: 'model_rejected', run: 'crash' } },
  'runner-process': {
    patterns: [[/INVALID_ARGUMENT|Got invalid dimensions|Invalid rank for input|shape mismatch|dimension mismatch/i, 'invalid_input']],
    otherwise: { load: 'crash', run: 'crash' },
  },
};

export function classifyEngineFailure(engine: Engine, message: string, ctx: EngineFailureContext): EngineFailure {
  const errorClass = classOf(engine, message, ctx);
  const hint = hintFor(errorClass, message, ctx);
  return { errorClass, retryable: engineErrorRetryable(errorClass), ...(hint ? { hint } : {}) };
}

function classOf(engine: Engine, message: string, ctx: EngineFailureContext): EngineErrorClass {
  if (OUT_OF_MEMORY.test(message)) return 'out_of_memory';
  // A native program that named its error: a model error is the model's, unless it is about the fed shapes.
  if (ctx.nativeKind === 'model') return ctx.nativeCode === 'shape_mismatch' ? 'invalid_input' : 'model_rejected';
  const table = ENGINE_TABLES[engine];
  const matched = table.patterns.find(([pattern]) => pattern.test(message))?.[1] ?? table.otherwise[ctx.stage];
  // Before any input is fed, a shape error is the model's own (its static shapes do not agree).
  return ctx.stage === 'load' && matched === 'invalid_input' ? 'model_rejected' : matched;
}

/** Integer inputs this small are scalars or flags a graph may branch on or size things by. */
const SMALL_INT_ELEMENTS = 16;
const INT_DTYPES = new Set(['int8', 'uint8', 'int16', 'int32', 'int64', 'bool']);

function hintFor(cls: EngineErrorClass, message: string, ctx: EngineFailureContext): string | undefined {
  switch (cls) {
    case 'invalid_input':
      return inputHint(message, ctx);
    case 'out_of_memory':
      return 'the model or its inputs need more memory than the runner may use (RUNNER_MEMORY_LIMIT_MB on the agent): use smaller options.inputShapes, or a device with more memory';
    case 'model_rejected': {
      const op = /(?:op(?:erator)?|opcode|custom op|layer)\s*[:'"`(]?\s*([A-Za-z_][\w.:/-]*)/i.exec(message)?.[1];
      return `this engine cannot run the model as it is${op ? ` (it names ${op})` : ''}: see the model's verdicts (GET /models/:id), or benchmark it with another framework`;
    }
    case 'crash':
    case 'timeout':
      return undefined;
  }
}

/**
 * Names the synthetic inputs most likely at fault: small integer tensors first (a sample rate, a
 * length, a flag), since random values in 0..9 send such graphs down paths they were never meant
 * to take.
 */
function inputHint(message: string, ctx: EngineFailureContext): string | undefined {
  if (!ctx.inputs) return undefined;
  const given = ctx.options?.inputs ?? {};
  const synthetic = (ctx.inputs ?? []).filter((i) => !(i.name in given));
  if (synthetic.length === 0) return 'the engine refused the values given in options.inputs: check them against the model’s declared inputs';
  const elements = (t: TensorSpec) => t.shape.reduce<number>((p, d) => p * (typeof d === 'number' && d > 0 ? d : 1), 1);
  const small = synthetic.filter((i) => INT_DTYPES.has(i.dtype) && elements(i) <= SMALL_INT_ELEMENTS);
  const controlFlow = /\b(If|Loop|Scan|WHILE|IF)\b node|running (If|Loop|Scan) node/.test(message);
  const where = controlFlow ? 'the failure is inside a control-flow node, which takes its branch from an input value; ' : '';
  if (small.length > 0) {
    const first = small[0]!;
    const what = first.shape.length === 0 ? `${first.dtype} scalar` : `${first.dtype} ${formatShape(first.shape)}`;
    return (
      `${where}input \`${first.name}\` (${what}) needs a value: it got seeded random integers 0..9. ` +
      `Pass options.inputs.${first.name} = {"kind": "constant", "value": <the value the model expects, e.g. a sample rate>}` +
      (small.length > 1
        ? `; also synthetic: ${small
            .slice(1)
            .map((i) => `\`${i.name}\``)
            .join(', ')}`
        : '')
    );
  }
  return `${where}inputs ${synthetic.map((i) => `\`${i.name}\``).join(', ')} were synthetic (seeded random): give real values or ranges with options.inputs`;
}
