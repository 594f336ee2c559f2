/** Bridges contracts' zod schemas into the OpenAPI document, so /docs shows the schemas the API enforces. */
import { z } from 'zod';

export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
