/** Authenticates device agents by bearer token (compared by hash) and puts the token row on the request. */
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '@farm/contracts';
import { AgentsRepository } from './agents.repository.js';
import { hashAgentToken } from './agent-token.js';

export interface AgentRequest extends Request {
  agentTokenId?: string;
}

@Injectable()
export class AgentAuthGuard implements CanActivate {
  constructor(private readonly repo: AgentsRepository) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AgentRequest>();
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new DomainError('AGENT_UNAUTHORIZED', 'agent endpoints need "Authorization: Bearer <agent token>"');
    const token = await this.repo.findActiveToken(hashAgentToken(m[1]!));
    if (!token) throw new DomainError('AGENT_UNAUTHORIZED', 'unknown or revoked agent token');
    req.agentTokenId = token.id;
    return true;
  }
}
