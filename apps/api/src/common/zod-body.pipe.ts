/**
 * Validates a request part against a contracts schema, so the API checks requests with the
 * same schemas agents and the CLI use. A failure becomes VALIDATION_FAILED (400) via the filter.
 */
import { Injectable, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

@Injectable()
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}
  transform(value: unknown): z.infer<S> {
    return this.schema.parse(value ?? {});
  }
}

export const zodPipe = <S extends z.ZodType>(schema: S): ZodPipe<S> => new ZodPipe(schema);
