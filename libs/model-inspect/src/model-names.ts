/**
 * Checks the strings an inspected model hands on. Names reach engines (which take C strings),
 * Postgres (whose text and jsonb refuse NUL and unpaired surrogates), logs and terminals (where
 * control characters rewrite what an operator sees), so a name with a control character is
 * refused, and free-text metadata is cleaned rather than refused.
 */
import type { ModelInfo } from './model-info.js';
import { invalid } from './model-errors.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/g;

function checkName(format: string, what: string, name: string): void {
  const m = CONTROL.exec(name);
  if (m) {
    const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw invalid(
      format,
      `${what} ${JSON.stringify(name.slice(0, 100))} contains the control character ${code} at index ${m.index}; rename it (engines, logs and the database cannot take control characters in names)`,
      { field: what, character: code, index: m.index },
    );
  }
  if (LONE_SURROGATE.test(name)) {
    LONE_SURROGATE.lastIndex = 0;
    throw invalid(format, `${what} ${JSON.stringify(name.slice(0, 100))} is not valid UTF-8; rename it`, { field: what });
  }
}

const clean = (s: string): string => s.replace(NUL, '').replace(LONE_SURROGATE, '\ufffd');

/** Throws MODEL_INVALID for a name with a control character; returns the info with metadata text cleaned. */
export function checkModelStrings(info: ModelInfo): ModelInfo {
  const format = info.format === 'onnx' ? 'ONNX' : info.format === 'tflite' ? 'TFLite' : 'NCNN .param';
  for (const t of info.inputs) checkName(format, 'input name', t.name);
  for (const t of info.outputs) checkName(format, 'output name', t.name);
  for (const t of [...info.inputs, ...info.outputs]) for (const d of t.shape) if (typeof d === 'string') checkName(format, `dim name of "${t.name}"`, d);
  for (const n of info.nodes) {
    checkName(format, 'node name', n.name);
    checkName(format, 'op type', n.opType);
  }
  const m = info.metadata;
  const metadata =
    m.format === 'onnx'
      ? {
          ...m,
          producerName: clean(m.producerName),
          producerVersion: clean(m.producerVersion),
          opsets: m.opsets.map((o) => ({ ...o, domain: clean(o.domain) })),
        }
      : m.format === 'tflite'
        ? { ...m, description: clean(m.description) }
        : m;
  return { ...info, metadata };
}
