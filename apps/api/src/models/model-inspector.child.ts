/**
 * Entry point of the process that inspects one upload. The API forks it with a heap cap and
 * kills it at a deadline, so a model that costs more than the parse limits foresee can only
 * exhaust this process, never the API. Reads the model from stdin, and from argv[2] the limits
 * and, for an NCNN .param, the size of its .bin (checked against the layers here, in one parse);
 * answers once over IPC, with the model info or a domain error's code, message and details.
 */
import { DomainError } from '@farm/contracts';
import { inspectModel, inspectNcnnUpload, inspectUpload, type ParseLimits } from '@farm/model-inspect';

export type InspectorReply =
  | { ready: true }
  | { ok: true; info: ReturnType<typeof inspectModel> }
  | { ok: false; code: DomainError['code']; message: string; details?: unknown }
  | { ok: false; code: null; message: string };

// Loaded and listening: from here on, a death is the model's doing, not a broken install.
process.send!({ ready: true });
const { limits, weightsSize } = JSON.parse(process.argv[2] ?? '{}') as { limits: Partial<ParseLimits>; weightsSize?: number };
const chunks: Buffer[] = [];
process.stdin.on('data', (c: Buffer) => chunks.push(c));
process.stdin.on('end', async () => {
  const bytes = Buffer.concat(chunks);
  chunks.length = 0;
  let reply: InspectorReply;
  try {
    // inspectUpload also opens a zipped .mlpackage (with its archive bounds), here in the capped child.
    reply = { ok: true, info: weightsSize === undefined ? await inspectUpload(bytes, limits) : inspectNcnnUpload(bytes, weightsSize, limits) };
  } catch (e) {
    reply = e instanceof DomainError ? { ok: false, code: e.code, message: e.message, details: e.details } : { ok: false, code: null, message: String(e) };
  }
  process.send!(reply, () => process.disconnect());
});
