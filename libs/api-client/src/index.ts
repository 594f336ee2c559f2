/**
 * The farm API's typed client: paths, request and response types generated from the API's OpenAPI
 * document (src/generated/openapi.ts, by `npm run openapi`), calls made by openapi-fetch. Used by the
 * CLI and the tests; a user generates the same from a running API's /docs/json.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './generated/openapi.js';

export type { components, operations, paths } from './generated/openapi.js';
export type Schemas = components['schemas'];
export type ErrorEnvelope = Schemas['ErrorEnvelope'];
export type FarmClient = Client<paths>;

export interface FarmClientOptions {
  /** Sent as "Authorization: Bearer <key>". */
  apiKey?: string;
  headers?: Record<string, string>;
  middleware?: Middleware[];
}

export function createFarmClient(baseUrl: string, opts: FarmClientOptions = {}): FarmClient {
  const client = createClient<paths>({
    baseUrl,
    headers: { ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}), ...opts.headers },
  });
  for (const m of opts.middleware ?? []) client.use(m);
  return client;
}

/** An error answer of the API (its envelope's code and message), or a client-side failure (API_UNREACHABLE, BAD_RESPONSE). */
export class FarmApiError extends Error {
  override readonly name = 'FarmApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The body of a success, or a FarmApiError carrying the envelope's code. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  const r = await call;
  if (r.error !== undefined || !r.response.ok) {
    const env = r.error as Partial<ErrorEnvelope> | undefined;
    if (env?.error?.code) throw new FarmApiError(env.error.code, env.error.message ?? '', r.response.status, env.error.details);
    throw new FarmApiError(`HTTP_${r.response.status}`, `${r.response.url} failed with status ${r.response.status}`, r.response.status);
  }
  return r.data as T;
}

/** Every item of a paged list: follows nextCursor until the last page. */
export async function listAll<T>(page: (cursor: string | undefined) => Promise<Answer<{ items: T[]; nextCursor: string | null }>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const p = await unwrap(page(cursor));
    items.push(...p.items);
    cursor = p.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** POST /models as multipart: the model file, an NCNN model's weights, and the optional fields. */
export function uploadModel(
  client: FarmClient,
  file: { bytes: Uint8Array; fileName: string },
  fields: { name?: string; modelId?: string; slug?: string; weights?: { bytes: Uint8Array; fileName: string } } = {},
) {
  const form = new FormData();
  form.set('file', new Blob([file.bytes]), file.fileName);
  if (fields.weights) form.set('weights', new Blob([fields.weights.bytes]), fields.weights.fileName);
  if (fields.name !== undefined) form.set('name', fields.name);
  if (fields.modelId !== undefined) form.set('modelId', fields.modelId);
  if (fields.slug !== undefined) form.set('slug', fields.slug);
  return client.POST('/models', { body: { file: file.fileName }, bodySerializer: () => form });
}
