/**
 * Validates a request part against a contracts schema, so the API checks requests with the
 * same schemas agents and the CLI use. A failure becomes VALIDATION_FAILED (400) via the filter.
 * A NUL character anywhere in the body is refused here too: Postgres text and jsonb cannot hold
 * one, so it would otherwise surface as an unmapped database error (500) that a client retries forever.
 */
import { Injectable, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { DomainError } from '@farm/contracts';

/** Whether any string (or key) holds a NUL character: the walk every request pays, building no paths. */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) {
    for (const v of value) if (hasNul(v)) return true;
    return false;
  }
  if (value && typeof value === 'object') {
    for (const k in value) if (k.includes('\0') || hasNul((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/** The path of the first string (or key) holding a NUL character, or null. */
export function nulPath(value: unknown, path = '(body)'): string | null {
  // Paths are built only for a body that has a NUL: a 20,000-layer result would otherwise build one per value.
  return hasNul(value) ? nulPathIn(value, path) : null;
}

function nulPathIn(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = nulPathIn(value[i], `${path}.${i}`);
      if (p) return p;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\0')) return `${path}.${JSON.stringify(k)}`;
      const p = nulPathIn(v, `${path}.${k}`);
      if (p) return p;
    }
  }
  return null;
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
