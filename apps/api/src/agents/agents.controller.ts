import { Body, Controller, Get, HttpCode, Param, Post, Put, Res, UseGuards, Req, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createReadStream } from 'node:fs';
import type { Response } from 'express';
import {
  AgentEnrollSchema,
  AgentRegisterSchema,
  HeartbeatSchema,
  JobFailureSchema,
  JobProgressSchema,
  JobStartedSchema,
  ResultSubmissionSchema,
} from '@farm/contracts';
import type { AgentEnroll, AgentRegister, Heartbeat, JobFailure, JobProgress, JobStarted, ResultSubmission } from '@farm/contracts';
import { AgentAuthGuard, BootstrapTokenGuard, type AgentRequest } from './agent-auth.guard.js';
import { AgentEndpoint } from '../auth/access.decorators.js';
import { AgentsService } from './agents.service.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { openApiSchema } from '../common/openapi.js';
import { UuidPipe } from '../common/uuid.pipe.js';

// The job id comes from the path; a copy in the body is ignored.
const StartedBody = JobStartedSchema.omit({ jobId: true });
const FailureBody = JobFailureSchema.omit({ jobId: true });
const ResultBody = ResultSubmissionSchema.omit({ jobId: true });

/** Enrollment: the one agent endpoint the shared bootstrap token opens. */
@ApiTags('agent')
@ApiBearerAuth('agentBootstrap')
@AgentEndpoint()
@UseGuards(BootstrapTokenGuard)
@Controller('agent')
export class AgentEnrollmentController {
  constructor(private readonly agents: AgentsService) {}

  @Post('enroll')
  @HttpCode(201)
  @ApiOperation({ summary: "Enroll a new agent with the bootstrap token; returns the agent's own credential (shown once)" })
  @ApiBody({ schema: openApiSchema(AgentEnrollSchema) })
  enroll(@Body(zodPipe(AgentEnrollSchema)) body: AgentEnroll) {
    return this.agents.enroll(body);
  }
}

/** Endpoints for enrolled device agents only (their own credential). */
@ApiTags('agent')
@ApiBearerAuth('agentCredential')
@AgentEndpoint()
@UseGuards(AgentAuthGuard)
@Controller('agent')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post('credential/rotate')
  @HttpCode(200)
  @ApiOperation({ summary: "Replace the calling agent's credential; the old one stops working at once" })
  rotate(@Req() req: AgentRequest) {
    return this.agents.rotate(req.agentId!);
  }

  @Post('register')
  @HttpCode(200)
  @ApiOperation({ summary: "Register the calling agent's devices (its whole current list)" })
  @ApiBody({ schema: openApiSchema(AgentRegisterSchema) })
  register(@Req() req: AgentRequest, @Body(zodPipe(AgentRegisterSchema)) body: AgentRegister) {
    return this.agents.register(req.agentId!, body);
  }

  @Post('heartbeat')
  @HttpCode(200)
  @ApiBody({ schema: openApiSchema(HeartbeatSchema) })
  heartbeat(@Req() req: AgentRequest, @Body(zodPipe(HeartbeatSchema)) body: Heartbeat) {
    return this.agents.heartbeat(req.agentId!, body);
  }

  @Get('artifacts/:sha256')
  @ApiOperation({ summary: 'Download an artifact by sha256 (the agent verifies the digest)' })
  async artifact(@Param('sha256') sha256: string, @Res({ passthrough: true }) res: Response) {
    const path = await this.agents.artifactPath(sha256);
    res.setHeader('content-type', 'application/octet-stream');
    return new StreamableFile(createReadStream(path));
  }

  @Post('jobs/:jobId/started')
  @HttpCode(200)
  @ApiBody({ schema: openApiSchema(StartedBody) })
  started(
    @Req() req: AgentRequest,
    @Param('jobId', new UuidPipe('JOB_NOT_FOUND', 'job')) jobId: string,
    @Body(zodPipe(StartedBody)) body: Omit<JobStarted, 'jobId'>,
  ) {
    return this.agents.started(req.agentId!, { ...body, jobId });
  }

  @Post('jobs/:jobId/progress')
  @HttpCode(200)
  @ApiBody({ schema: openApiSchema(JobProgressSchema) })
  progress(@Req() req: AgentRequest, @Param('jobId', new UuidPipe('JOB_NOT_FOUND', 'job')) jobId: string, @Body(zodPipe(JobProgressSchema)) body: JobProgress) {
    return this.agents.progress(req.agentId!, jobId, body);
  }

  @Post('jobs/:jobId/failure')
  @HttpCode(200)
  @ApiBody({ schema: openApiSchema(FailureBody) })
  failure(
    @Req() req: AgentRequest,
    @Param('jobId', new UuidPipe('JOB_NOT_FOUND', 'job')) jobId: string,
    @Body(zodPipe(FailureBody)) body: Omit<JobFailure, 'jobId'>,
  ) {
    return this.agents.failed(req.agentId!, { ...body, jobId });
  }

  @Put('jobs/:jobId/result')
  @ApiOperation({ summary: 'Deliver a result; idempotent per job (201 stored, 200 already stored)' })
  @ApiBody({ schema: openApiSchema(ResultBody) })
  async result(
    @Req() req: AgentRequest,
    @Param('jobId', new UuidPipe('JOB_NOT_FOUND', 'job')) jobId: string,
    @Body(zodPipe(ResultBody)) body: Omit<ResultSubmission, 'jobId'>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.agents.result(req.agentId!, { ...body, jobId });
    res.status(r.stored ? 201 : 200);
    return r;
  }
}
