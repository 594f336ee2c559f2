/**
 * Validates a request part against a contracts schema, so the API checks requests with the
 * same schemas agents and the CLI use. A failure becomes VALIDATION_FAILED (400) via the filter.
 * A NUL character anywhere in the body is refused here too: Postgres text and jsonb cannot hold
 * one, so it would otherwise surface as an unmapped database error (500) that a client retries forever.
 */
import { Injectable, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { DomainError } from '@farm/contracts';

/**
 * The path segments from `value` to the first string (or key) holding a NUL character, or null.
 * One walk that builds segments only on the way back from a find: every request pays the walk, and
 * a 20,000-layer result would otherwise build a path string per value.
 */
function nulSegments(value: unknown): string[] | null {
  if (typeof value === 'string') return value.includes('\0') ? [] : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulSegments(value[i]);
      if (found) return [String(i), ...found];
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const k in value) {
      if (k.includes('\0')) return [JSON.stringify(k)];
      const found = nulSegments((value as Record<string, unknown>)[k]);
      if (found) return [k, ...found];
    }
  }
  return null;
}

/** The path of the first string (or key) holding a NUL character, or null. */
export function nulPath(value: unknown, path = '(body)'): string | null {
  const found = nulSegments(value);
  return found ? [path, ...found].join('.') : null;
}

@Injectable()
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}
  transform(value: unknown): z.infer<S> {
    const nul = nulPath(value);
    if (nul)
      throw new DomainError(
        'VALIDATION_FAILED',
        `${nul.replace(/^\(body\)\.?/, '') || '(body)'}: contains a NUL character (\\u0000), which cannot be stored; remove or replace it`,
        {
          path: nul,
        },
      );
    return this.schema.parse(value ?? {});
  }
}

export const zodPipe = <S extends z.ZodType>(schema: S): ZodPipe<S> => new ZodPipe(schema);
