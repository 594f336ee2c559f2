/**
 * The API's one gate for users, run before every route: refuses cross-site writes, then asks for
 * the key and scope the route needs (see access.decorators.ts). Agent routes carry their own
 * credential and are checked by AgentAuthGuard instead.
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError, type ApiKeyScope } from '@farm/contracts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ACCESS, type Access } from './access.decorators.js';
import { ApiKeysService, keyAllows } from './api-keys.service.js';
import { crossSiteProblem } from './cross-site.js';
import { presentedSecret } from './secrets.js';

export interface KeyedRequest extends Request {
  apiKey?: { id: string; scopes: ApiKeyScope[] };
}

const READ_METHODS = new Set(['GET', 'HEAD']);

@Injectable()
export class ApiAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<KeyedRequest>();
    // First, so a page of another origin learns nothing from the answer, key or no key.
    const crossSite = crossSiteProblem(req.method, req.headers);
    if (crossSite) throw new DomainError('CROSS_SITE_REQUEST', crossSite);

    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [ctx.getHandler(), ctx.getClass()]);
    if (access === 'public' || access === 'agent') return true;
    const needed: ApiKeyScope = access === 'admin' ? 'admin' : READ_METHODS.has(req.method) ? 'read' : 'write';

    const presented = presentedSecret(req.headers);
    if (presented === undefined) {
      if (needed === 'read' && !this.config.readsNeedKey) return true;
      throw new DomainError(
        'API_KEY_REQUIRED',
        `this endpoint needs an API key with ${needed} scope: send "Authorization: Bearer <key>" (or X-Api-Key); the CLI reads FARM_API_KEY`,
      );
    }
    const key = await this.keys.authenticate(presented);
    if (!keyAllows(key.scopes, needed)) {
      throw new DomainError('API_KEY_SCOPE', `this key has scopes ${key.scopes.join(', ')}; ${req.method} ${req.path} needs ${needed}`, {
        needed,
        scopes: key.scopes,
      });
    }
    req.apiKey = key;
    return true;
  }
}
