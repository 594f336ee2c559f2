/**
 * Maps every error to the API's one error body: { error: { code, message, details? } }.
 * DomainError codes carry their status in @farm/contracts; framework exceptions (unknown route,
 * body too large, malformed JSON) are given codes too, so a client never sees an HTML page or
 * a bare 500 for bad input.
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ZodError } from 'zod';
import { DomainError, ERROR_CODES, type ErrorEnvelope } from '@farm/contracts';

const HTTP_CODE_NAMES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
};

export function zodIssuesMessage(err: ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`).join('; ');
}

/** A lost database is an outage, not a bug: the client should retry, so it gets 503. */
function isDatabaseUnavailable(e: unknown): boolean {
  const text = `${(e as Error)?.name ?? ''} ${(e as Error)?.message ?? ''} ${String((e as { cause?: unknown })?.cause ?? '')}`;
  // The last three: a server restarting (admin shutdown of our sessions, not accepting them yet).
  return /ECONNREFUSED|Can't reach database server|Connection terminated|connection timeout|DatabaseNotReachable|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|Connection closed/i.test(
    text,
  );
}

function isErrorBody(r: unknown): r is ErrorEnvelope {
  const err = (r as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof err === 'object' && err !== null && typeof err.code === 'string' && typeof err.message === 'string';
}

@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly maxModelBytes: number) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const [status, body] = this.toBody(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    res.status(status).json(body);
  }

  private toBody(e: unknown): [number, ErrorEnvelope] {
    if (e instanceof DomainError) {
      return [ERROR_CODES[e.code], { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } }];
    }
    if (e instanceof ZodError) {
      return [400, { error: { code: 'VALIDATION_FAILED', message: zodIssuesMessage(e), details: e.issues } }];
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
        return [
          413,
          { error: { code: 'MODEL_TOO_LARGE', message: `the upload exceeds the limit of ${Math.round(this.maxModelBytes / 1048576)} MiB (MAX_MODEL_MB)` } },
        ];
      }
      const r = e.getResponse();
      // A body already in the API's shape (GET /health's 503 with each service's check) is the answer as it stands.
      if (isErrorBody(r)) return [status, r];
      const message =
        typeof r === 'string'
          ? r
          : Array.isArray((r as { message?: unknown }).message)
            ? (r as { message: string[] }).message.join('; ')
            : String((r as { message?: unknown }).message ?? e.message);
      return [status, { error: { code: HTTP_CODE_NAMES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'), message } }];
    }
    // body-parser's errors (malformed JSON) carry a status of their own.
    const s = (e as { status?: unknown; type?: unknown })?.status;
    if (typeof s === 'number' && s >= 400 && s < 500) {
      return [s, { error: { code: s === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: (e as Error).message } }];
    }
    if (isDatabaseUnavailable(e)) {
      return [503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'the database is unreachable; retry shortly (GET /health shows which service is down)' } }];
    }
    return [500, { error: { code: 'INTERNAL', message: 'internal error; see the API log' } }];
  }
}
