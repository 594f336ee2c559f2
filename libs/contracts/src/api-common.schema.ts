/**
 * Shapes every route shares: the error envelope (the body of every 4xx/5xx), the page of a list
 * endpoint and its query. Declared once here; the API builds its answers from them and the OpenAPI
 * document is generated from them.
 */
import { z } from 'zod';

/** The body of every 4xx/5xx the API returns; `code` is one of ERROR_CODES or a framework code (NOT_FOUND, BAD_REQUEST, ...). */
export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'machine-readable code, e.g. MODEL_NOT_FOUND; each operation lists the codes it can return' }),
      message: z.string().meta({ description: 'what went wrong and what to do about it' }),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ErrorEnvelope', description: 'The body of every error response.' });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

export const PAGE_LIMIT_DEFAULT = 100;
export const PAGE_LIMIT_MAX = 1000;

/** ?limit=&cursor= of every list endpoint. The cursor is opaque: pass back the nextCursor of the page before. */
export const PageQuerySchema = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(PAGE_LIMIT_MAX)
      .default(PAGE_LIMIT_DEFAULT)
      .meta({ description: `items per page (1-${PAGE_LIMIT_MAX}, default ${PAGE_LIMIT_DEFAULT})` }),
    cursor: z.string().min(1).max(200).optional().meta({ description: 'nextCursor of the previous page; omit for the first page' }),
  })
  .strict();
export type PageQuery = z.infer<typeof PageQuerySchema>;

/** One page of a list: `nextCursor` is null on the last page. Items keep a stable order (oldest first), so a cursor never skips or repeats an item. */
export function pageSchema<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().meta({ description: 'pass as ?cursor= for the next page; null on the last page' }),
    })
    .meta({ id });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
