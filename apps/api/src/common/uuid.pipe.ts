import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError, type ErrorCode } from '@farm/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A malformed id cannot name anything, so it gets the same not-found code as an unknown one. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  constructor(
    private readonly notFound: ErrorCode,
    private readonly what: string,
  ) {}
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) throw new DomainError(this.notFound, `no ${this.what} with id "${value}"`);
    return value.toLowerCase();
  }
}
