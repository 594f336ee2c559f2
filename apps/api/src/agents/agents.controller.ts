import { Body, Controller, Get, HttpCode, Param, Post, Put, Res, UseGuards, Req, StreamableFile } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import type { Response } from 'express';
import { AgentEnrollSchema, AgentRegisterSchema, HeartbeatSchema, JobProgressSchema } from '@farm/contracts';
import type { AgentEnroll, AgentRegister, Heartbeat, JobFailure, JobProgress, JobStarted, ResultSubmission } from '@farm/contracts';
import { AgentAuthGuard, BootstrapTokenGuard, type AgentRequest } from './agent-auth.guard.js';
import { AgentEndpoint } from '../auth/access.decorators.js';
import { AgentsService } from './agents.service.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { RouteContract } from '../contract/route-contract.js';
import { AgentsContract, FailureBody, ResultBody, StartedBody } from './agents.contract.js';

/** Enrollment: the one agent endpoint the shared bootstrap token opens. */
@AgentEndpoint()
@UseGuards(BootstrapTokenGuard)
@Controller('agent')
export class AgentEnrollmentController {
  constructor(private readonly agents: AgentsService) {}

  @Post('enroll')
  @HttpCode(201)
  @RouteContract(AgentsContract.enroll)
  enroll(@Body(zodPipe(AgentEnrollSchema)) body: AgentEnroll) {
    return this.agents.enroll(body);
  }
}

/** Endpoints for enrolled device agents only (their own credential). */
@AgentEndpoint()
@UseGuards(AgentAuthGuard)
@Controller('agent')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post('credential/rotate')
  @HttpCode(200)
  @RouteContract(AgentsContract.rotateOwn)
  rotate(@Req() req: AgentRequest) {
    return this.agents.rotate(req.agentId!);
  }

  @Post('register')
  @HttpCode(200)
  @RouteContract(AgentsContract.register)
  register(@Req() req: AgentRequest, @Body(zodPipe(AgentRegisterSchema)) body: AgentRegister) {
    return this.agents.register(req.agentId!, body);
  }

  @Post('heartbeat')
  @HttpCode(200)
  @RouteContract(AgentsContract.heartbeat)
  heartbeat(@Req() req: AgentRequest, @Body(zodPipe(HeartbeatSchema)) body: Heartbeat) {
    return this.agents.heartbeat(req.agentId!, body);
  }

  @Get('artifacts/:sha256')
  @RouteContract(AgentsContract.artifact)
  async artifact(@Param('sha256') sha256: string, @Res({ passthrough: true }) res: Response) {
    const path = await this.agents.artifactPath(sha256);
    res.setHeader('content-type', 'application/octet-stream');
    return new StreamableFile(createReadStream(path));
  }

  @Post('jobs/:jobId/started')
  @HttpCode(200)
  @RouteContract(AgentsContract.started)
  started(
    @Req() req: AgentRequest,
    @Param('jobId', new UuidPipe('JOB_NOT_FOUND', 'job')) jobId: string,
    @Body(zodPipe(StartedBody)) body: Omit<JobStarted, 'jobId'>,
  ) {
    return this.agents.started(req.agentId!, { ...body, jobId });
  }

  @Post('jobs/:jobId/progress')
  @HttpCode(200)
  @RouteContract(AgentsContract.progress)
  progress(@Req() req: AgentRequest, @Param('jobId', new UuidPipe('JOB_NOT_FOUND', 'job')) jobId: string, @Body(zodPipe(JobProgressSchema)) body: JobProgress) {
    return this.agents.progress(req.agentId!, jobId, body);
  }

  @Post('jobs/:jobId/failure')
  @HttpCode(200)
  @RouteContract(AgentsContract.failure)
  failure(
    @Req() req: AgentRequest,
    @Param('jobId', new UuidPipe('JOB_NOT_FOUND', 'job')) jobId: string,
    @Body(zodPipe(FailureBody)) body: Omit<JobFailure, 'jobId'>,
  ) {
    return this.agents.failed(req.agentId!, { ...body, jobId });
  }

  @Put('jobs/:jobId/result')
  @RouteContract(AgentsContract.result)
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
