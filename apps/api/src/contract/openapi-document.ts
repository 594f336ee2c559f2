/**
 * Generates the OpenAPI 3.1 document from the route contracts (zod schemas from @farm/contracts)
 * with @asteasolutions/zod-to-openapi: the schemas are written once, in libs/contracts, and the
 * document, the response check and the typed client (libs/api-client) follow from them.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ERROR_CODES, ErrorEnvelopeSchema, type ErrorCode } from '@farm/contracts';
import type { RouteAccess, RouteContractEntry } from './route-contract.js';

export const API_VERSION = '0.1.0';

/** The security schemes the API accepts; users' keys travel in either header. Scopes are named in each operation's requirement. */
export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (fk_…) as "Authorization: Bearer <key>". Scopes: read, write, admin (admin implies write, write implies read).',
  },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The same API key in X-Api-Key.' },
  agentBootstrap: { type: 'http', scheme: 'bearer', description: 'AGENT_BOOTSTRAP_TOKEN: enrollment only.' },
  agentCredential: { type: 'http', scheme: 'bearer', description: "An enrolled agent's own credential (fa_…)." },
} as const;

/** Framework codes the exception filter gives (not DomainError codes), with their status. */
const FRAMEWORK_CODES = { BAD_REQUEST: 400, PAYLOAD_TOO_LARGE: 413, INTERNAL: 500 } as const;
type AnyCode = ErrorCode | keyof typeof FRAMEWORK_CODES;

function statusOf(code: AnyCode): number {
  return code in FRAMEWORK_CODES ? FRAMEWORK_CODES[code as keyof typeof FRAMEWORK_CODES] : ERROR_CODES[code as ErrorCode];
}

function securityOf(access: RouteAccess): Record<string, string[]>[] {
  switch (access) {
    case 'public':
      return [];
    case 'agentBootstrap':
      return [{ agentBootstrap: [] }];
    case 'agent':
      return [{ agentCredential: [] }];
    case 'read':
      // {}: reads may be open on this deployment (READ_ACCESS=open, the default on a loopback API).
      return [{ apiKey: ['read'] }, { apiKeyHeader: ['read'] }, {}];
    default:
      return [{ apiKey: [access] }, { apiKeyHeader: [access] }];
  }
}

/** The codes every route of this kind can answer with, whatever it does: credentials, the cross-site wall, request validation, outages. */
export function impliedErrorCodes(r: Pick<RouteContractEntry, 'access' | 'method' | 'body' | 'query' | 'params'>): AnyCode[] {
  const codes: AnyCode[] = ['INTERNAL', 'SERVICE_UNAVAILABLE'];
  if (r.method !== 'get') codes.push('CROSS_SITE_REQUEST');
  if (r.access === 'read' || r.access === 'write' || r.access === 'admin') codes.push('API_KEY_REQUIRED', 'API_KEY_INVALID', 'API_KEY_SCOPE');
  if (r.access === 'agent' || r.access === 'agentBootstrap') codes.push('AGENT_UNAUTHORIZED');
  if (r.access === 'agent') codes.push('AGENT_CREDENTIAL_REVOKED');
  if (r.body || r.query) codes.push('VALIDATION_FAILED');
  if (r.body?.contentType !== 'multipart/form-data' && r.body) codes.push('BAD_REQUEST', 'PAYLOAD_TOO_LARGE');
  return codes;
}

/** Every error code a route may answer with, by HTTP status. */
export function errorCodesByStatus(r: RouteContractEntry): Map<number, AnyCode[]> {
  const byStatus = new Map<number, AnyCode[]>();
  for (const code of new Set<AnyCode>([...impliedErrorCodes(r), ...r.errors])) {
    const s = statusOf(code);
    byStatus.set(s, [...(byStatus.get(s) ?? []), code]);
  }
  return new Map([...byStatus.entries()].sort((a, b) => a[0] - b[0]));
}

/** One example per error code of the status, named by the code, so a reader sees the envelope each one comes in. */
function errorResponse(codes: AnyCode[]): ResponseConfig {
  const examples = Object.fromEntries(
    codes.map((code) => [code, { summary: code, value: { error: { code, message: `what went wrong and what to do about it (${code})` } } }]),
  );
  const r: ResponseConfig & { 'x-error-codes': string[] } = {
    description: `Error codes: ${codes.join(', ')}`,
    content: { 'application/json': { schema: ErrorEnvelopeSchema, examples } },
    'x-error-codes': codes,
  };
  return r;
}

function toRouteConfig(r: RouteContractEntry): RouteConfig {
  const responses: RouteConfig['responses'] = {};
  for (const [status, res] of Object.entries(r.responses)) {
    const type = res.contentType ?? 'application/json';
    responses[status] = {
      description: res.description,
      content: {
        [type]: res.schema
          ? { schema: res.schema, ...(res.example !== undefined ? { example: res.example } : {}) }
          : { schema: { type: 'string', format: 'binary' } },
      },
    };
  }
  for (const [status, codes] of errorCodesByStatus(r)) responses[String(status)] = errorResponse(codes);
  return {
    method: r.method,
    path: r.path,
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: [r.tag],
    security: securityOf(r.access),
    request: {
      ...(r.params ? { params: r.params } : {}),
      ...(r.query ? { query: r.query } : {}),
      ...(r.body
        ? {
            body: {
              required: true,
              content: {
                [r.body.contentType ?? 'application/json']: { schema: r.body.schema, ...(r.body.example !== undefined ? { example: r.body.example } : {}) },
              },
            },
          }
        : {}),
    },
    responses,
  };
}

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

export function buildOpenApiDocument(routes: readonly RouteContractEntry[]): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) registry.registerComponent('securitySchemes', name, { ...scheme });
  const sorted = [...routes].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const r of sorted) registry.registerPath(toRouteConfig(r));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Benchmark farm API',
      version: API_VERSION,
      description:
        'Upload models, run benchmark matrices on devices, read results and comparisons. Writes need an API key with write scope, ' +
        'key and agent management an admin key; reads need a read key unless the deployment opens them (READ_ACCESS). ' +
        'State-changing requests from web pages of another origin are refused (403 CROSS_SITE_REQUEST). Every error answers with the ErrorEnvelope; ' +
        'each operation lists the codes it can return per status (x-error-codes). Lists are paged: ?limit= (default 100, at most 1000) and ?cursor= (the nextCursor of the page before).',
    },
    servers: [{ url: '/' }],
  });
}
