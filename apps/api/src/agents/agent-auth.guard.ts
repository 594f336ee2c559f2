/**
 * Guards for the agent endpoints. AgentAuthGuard: the agent's own credential (compared by hash),
 * and the agent's id on the request. BootstrapTokenGuard: the shared bootstrap token, good for
 * enrollment only.
 */
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '@farm/contracts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { presentedSecret, secretsEqual, sha256Hex } from '../auth/secrets.js';
import { AgentsRepository } from './agents.repository.js';

export interface AgentRequest extends Request {
  agentId?: string;
}

function bearer(req: Request): string {
  const secret = presentedSecret(req.headers);
  if (!secret) throw new DomainError('AGENT_UNAUTHORIZED', 'agent endpoints need "Authorization: Bearer <agent credential>"');
  return secret;
}

@Injectable()
export class AgentAuthGuard implements CanActivate {
  constructor(private readonly repo: AgentsRepository) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AgentRequest>();
    const cred = await this.repo.findCredential(sha256Hex(bearer(req)));
    if (!cred) {
      throw new DomainError(
        'AGENT_UNAUTHORIZED',
        'unknown agent credential; an agent enrolls with the bootstrap token (POST /agent/enroll) and then uses the credential it got back',
      );
    }
    if (cred.revokedAt) {
      throw new DomainError('AGENT_CREDENTIAL_REVOKED', `this agent credential was revoked on ${cred.revokedAt.toISOString()}; ask the farm admin`);
    }
    req.agentId = cred.agentId;
    return true;
  }
}

@Injectable()
export class BootstrapTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<Request>();
    const expected = this.config.agentBootstrapToken;
    if (!expected) throw new DomainError('AGENT_UNAUTHORIZED', 'enrollment is off: the API has no AGENT_BOOTSTRAP_TOKEN');
    if (!secretsEqual(bearer(req), expected)) throw new DomainError('AGENT_UNAUTHORIZED', 'enrollment needs "Authorization: Bearer <AGENT_BOOTSTRAP_TOKEN>"');
    return true;
  }
}
