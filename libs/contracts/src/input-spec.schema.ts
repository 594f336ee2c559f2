/**
 * What a benchmark feeds each named model input, when seeded random values will not do (a graph
 * that branches on a sample rate, token ids, a mask). One schema, used by POST /benchmarks'
 * options.inputs, by the agent that builds the tensors, and by anything else that embeds
 * benchmark options (suites). Inputs not named stay synthetic.
 */
import { z } from 'zod';
import { DomainError } from './error-codes.js';
import type { ResolvedTensor } from './tensor-shapes.js';
import { TensorDtypeSchema, type TensorDtype } from './tensor.schema.js';

/** Inline constant tensors stay small: a request body is not an upload. */
export const INPUT_SPEC_LIMITS = { inlineValues: 4096, inputs: 64 } as const;

const finite = z.number().finite();

export const InputSpecSchema = z.discriminatedUnion('kind', [
  /** One value for every element (a scalar input, or a tensor filled with it), or every element given row-major. */
  z.object({ kind: z.literal('constant'), value: z.union([finite, z.array(finite).min(1).max(INPUT_SPEC_LIMITS.inlineValues)]) }).strict(),
  /** Seeded uniform floats in [min, max). */
  z
    .object({ kind: z.literal('uniform'), min: finite, max: finite })
    .strict()
    .refine((s) => s.min < s.max, { message: 'uniform needs min < max' }),
  /** Seeded normal floats. */
  z.object({ kind: z.literal('normal'), mean: finite, std: finite.positive() }).strict(),
  /** Seeded integers, each in [min, max] inclusive. */
  z
    .object({ kind: z.literal('integers'), min: z.number().int(), max: z.number().int() })
    .strict()
    .refine((s) => s.min <= s.max, { message: 'integers needs min <= max' }),
  /**
   * A tensor uploaded with POST /tensors (.npy or ONNX TensorProto). sha256, dtype and shape are
   * the stored tensor's, written by the API when it creates the jobs (a request's own are
   * replaced): the agent fetches the bytes by sha256 and checks them against dtype and shape.
   */
  z
    .object({
      kind: z.literal('file'),
      tensorId: z.string().uuid(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
      dtype: TensorDtypeSchema.optional(),
      shape: z.array(z.number().int().nonnegative()).max(8).optional(),
    })
    .strict(),
]);
export type InputSpec = z.infer<typeof InputSpecSchema>;
export type InputSpecKind = InputSpec['kind'];

export const InputSpecsSchema = z
  .record(z.string().min(1).max(256), InputSpecSchema)
  .refine((r) => Object.keys(r).length <= INPUT_SPEC_LIMITS.inputs, { message: `at most ${INPUT_SPEC_LIMITS.inputs} input specifications` });
export type InputSpecs = z.infer<typeof InputSpecsSchema>;

/** Where an input's values came from, as results record it. */
export const INPUT_SOURCES = ['synthetic', 'constant', 'uniform', 'normal', 'integers', 'file'] as const;
export type InputSource = (typeof INPUT_SOURCES)[number];

export function inputSources(inputs: readonly { name: string }[], specs: InputSpecs = {}): Record<string, InputSource> {
  return Object.fromEntries(inputs.map((i) => [i.name, specs[i.name]?.kind ?? 'synthetic']));
}

const INTEGER_RANGES: Partial<Record<TensorDtype, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  bool: [0, 1],
};

/**
 * Checks specs against the model's inputs, resolved to concrete shapes: every name is an input,
 * a constant's value count is 1 or the element count, and integer inputs get integers their dtype
 * holds. Throws INPUT_SPEC_MISMATCH naming the input, so the API refuses the request before
 * queuing anything and the agent never builds a tensor the API would not have accepted.
 */
export function checkInputSpecs(resolved: readonly ResolvedTensor[], specs: InputSpecs = {}): void {
  const byName = new Map(resolved.map((t) => [t.name, t]));
  for (const [name, spec] of Object.entries(specs)) {
    const t = byName.get(name);
    const fail = (why: string) => {
      throw new DomainError('INPUT_SPEC_MISMATCH', `options.inputs["${name}"]: ${why}`, { input: name });
    };
    if (!t) fail(`not an input of this model (inputs: ${[...byName.keys()].map((n) => `"${n}"`).join(', ')})`);
    const { dtype, shape } = t!;
    if (dtype === 'unknown') fail('the model declares an element type the farm cannot feed');
    const range = INTEGER_RANGES[dtype];
    const inRange = (v: number) => !range || (Number.isInteger(v) && v >= range[0] && v <= range[1]);
    const kind = `${dtype} [${shape.join(', ')}]`;
    if (spec.kind === 'constant') {
      const values = Array.isArray(spec.value) ? spec.value : [spec.value];
      const count = shape.reduce((a, b) => a * b, 1);
      if (values.length !== 1 && values.length !== count)
        fail(`${values.length} values given; the input is ${kind}, ${count} elements (give 1 value to fill it, or ${count})`);
      const bad = values.find((v) => !inRange(v));
      if (bad !== undefined) fail(`${bad} does not fit ${dtype}${range ? ` (integers ${range[0]}..${range[1]})` : ''}`);
    } else if (spec.kind === 'file') {
      if (!spec.dtype || !spec.shape || !spec.sha256) fail(`tensor ${spec.tensorId} was not resolved to a stored tensor`);
      if (spec.dtype !== dtype) fail(`tensor ${spec.tensorId} is ${spec.dtype}; the input is ${kind}`);
      if (spec.shape!.join(',') !== shape.join(',')) fail(`tensor ${spec.tensorId} has shape [${spec.shape!.join(', ')}]; the input is ${kind}`);
    } else if (spec.kind === 'integers') {
      if (!inRange(spec.min) || !inRange(spec.max)) fail(`the range ${spec.min}..${spec.max} does not fit ${dtype}`);
    } else if (range) {
      fail(`"${spec.kind}" draws floats; the input is ${kind}: use "integers" or "constant"`);
    }
  }
}
