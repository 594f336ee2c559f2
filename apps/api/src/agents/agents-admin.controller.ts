import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AgentsService } from './agents.service.js';
import { AdminOnly } from '../auth/access.decorators.js';
import { UuidPipe } from '../common/uuid.pipe.js';

const agentId = new UuidPipe('AGENT_NOT_FOUND', 'agent');

/** Agents as an admin sees them: who enrolled, their devices and queues, their credentials. */
@ApiTags('agents')
@ApiBearerAuth('apiKey')
@ApiSecurity('apiKeyHeader')
@AdminOnly()
@Controller('agents')
export class AgentsAdminController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @ApiOperation({ summary: 'List enrolled agents with their devices, queue names and credential state' })
  list() {
    return this.agents.list();
  }

  @Post(':id/credential')
  @HttpCode(200)
  @ApiOperation({ summary: "Issue a new credential for an agent (the old one stops working); install it in the agent's data dir" })
  rotate(@Param('id', agentId) id: string) {
    return this.agents.rotate(id);
  }

  @Delete(':id/credential')
  @ApiOperation({ summary: "Revoke an agent's credentials and take its devices offline" })
  revoke(@Param('id', agentId) id: string) {
    return this.agents.revoke(id);
  }
}
