/**
 * Rate limits on uploads and run creation (@nestjs/throttler: the NestJS team's own limiter, kept
 * in step with Nest releases). Counted per API key, or per client address for keyless requests,
 * in this process's memory: one API process per farm, so no shared store is needed yet.
 */
import { Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import { DomainError } from '@farm/contracts';
import type { Response } from 'express';
import type { KeyedRequest } from './api-access.guard.js';

/** Named throttlers; a route applies one and skips the others. */
export const UPLOAD_THROTTLER = 'uploads';
export const RUN_THROTTLER = 'runs';

@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const r = req as unknown as KeyedRequest;
    return r.apiKey ? `key:${r.apiKey.id}` : `ip:${r.ip ?? 'unknown'}`;
  }

  protected override async throwThrottlingException(ctx: ExecutionContext, d: ThrottlerLimitDetail): Promise<void> {
    const req = ctx.switchToHttp().getRequest<KeyedRequest>();
    const retry = Math.max(1, Math.ceil(d.timeToBlockExpire));
    // The library names its header after the throttler (Retry-After-uploads); clients know the plain one.
    ctx.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retry));
    throw new DomainError('RATE_LIMITED', `${req.method} ${req.path}: at most ${d.limit} per ${Math.round(d.ttl / 1000)} s per key; retry in ${retry} s`, {
      limit: d.limit,
      windowMs: d.ttl,
      retryAfterS: retry,
    });
  }
}
