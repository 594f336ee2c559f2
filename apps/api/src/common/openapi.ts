/** Bridges contracts' zod schemas into the OpenAPI document, so /docs shows the schemas the API enforces. */
import { z } from 'zod';

export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

type OpenApiDoc = { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> };

/** The security schemes the API accepts; users' keys travel in either header. */
export const SECURITY_SCHEMES = {
  apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (fk_…) as "Authorization: Bearer <key>". Scopes: read, write, admin.' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The same API key in X-Api-Key.' },
  agentBootstrap: { type: 'http', scheme: 'bearer', description: 'AGENT_BOOTSTRAP_TOKEN: enrollment only.' },
  agentCredential: { type: 'http', scheme: 'bearer', description: "An enrolled agent's own credential (fa_…)." },
} as const;

/**
 * Adjusts the generated document to what the access guard does: user endpoints need a key
 * (either header); /health needs none; with open reads, GETs may also go without one (`{}`).
 * Agent endpoints keep the schemes their controllers declare.
 */
export function applyAccessToDocument(doc: OpenApiDoc, readsNeedKey: boolean): void {
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (path.startsWith('/agent/')) continue;
      if (path === '/health') {
        op.security = [];
        continue;
      }
      if (!op.security?.length) op.security = [{ apiKey: [] }, { apiKeyHeader: [] }];
      if (method === 'get' && !readsNeedKey && !path.startsWith('/keys') && !path.startsWith('/agents')) op.security.push({});
    }
  }
}
