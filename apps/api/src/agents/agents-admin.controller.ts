import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { PageQuerySchema, type PageQuery } from '@farm/contracts';
import { zodPipe } from '../common/zod-body.pipe.js';
import { AgentsService } from './agents.service.js';
import { AdminOnly } from '../auth/access.decorators.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { RouteContract } from '../contract/route-contract.js';
import { AgentsContract } from './agents.contract.js';

const agentId = new UuidPipe('AGENT_NOT_FOUND', 'agent');

/** Agents as an admin sees them: who enrolled, their devices and queues, their credentials. */
@AdminOnly()
@Controller('agents')
export class AgentsAdminController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @RouteContract(AgentsContract.list)
  list(@Query(zodPipe(PageQuerySchema)) page: PageQuery) {
    return this.agents.list(page);
  }

  @Post(':id/credential')
  @HttpCode(200)
  @RouteContract(AgentsContract.rotate)
  rotate(@Param('id', agentId) id: string) {
    return this.agents.rotate(id);
  }

  @Delete(':id/credential')
  @RouteContract(AgentsContract.revoke)
  revoke(@Param('id', agentId) id: string) {
    return this.agents.revoke(id);
  }
}
