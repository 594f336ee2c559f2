import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BenchmarkRequestSchema, RunViewSchema, type BenchmarkRequest } from '@farm/contracts';
import { BenchmarksService } from './benchmarks.service.js';
import { ResultsService } from '../results/results.service.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { openApiSchema } from '../common/openapi.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { RateLimitGuard, UPLOAD_THROTTLER } from '../auth/rate-limit.guard.js';

const runId = new UuidPipe('RUN_NOT_FOUND', 'benchmark run');

@ApiTags('benchmarks')
@Controller('benchmarks')
export class BenchmarksController {
  constructor(
    private readonly benchmarks: BenchmarksService,
    private readonly results: ResultsService,
  ) {}

  @Post()
  @HttpCode(202)
  @UseGuards(RateLimitGuard)
  @SkipThrottle({ [UPLOAD_THROTTLER]: true })
  @ApiOperation({ summary: 'Queue a benchmark matrix: one job per (device, framework, artifact, option set)' })
  @ApiBody({ schema: openApiSchema(BenchmarkRequestSchema) })
  create(@Body(zodPipe(BenchmarkRequestSchema)) req: BenchmarkRequest) {
    return this.benchmarks.create(req);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Run status with per-job progress, attempts, last error and why each unstarted job waits' })
  @ApiOkResponse({ schema: openApiSchema(RunViewSchema) })
  status(@Param('id', runId) id: string) {
    return this.benchmarks.status(id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Cancel the jobs of a run that are still queued' })
  cancel(@Param('id', runId) id: string) {
    return this.benchmarks.cancel(id);
  }

  @Get(':id/results')
  @ApiOperation({ summary: 'Statistics and per-layer timings of every finished job of a run' })
  runResults(@Param('id', runId) id: string) {
    return this.results.forRun(id);
  }
}
