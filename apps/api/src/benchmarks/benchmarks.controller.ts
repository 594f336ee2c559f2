import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { BenchmarkRequestSchema, type BenchmarkRequest } from '@farm/contracts';
import { BenchmarksService } from './benchmarks.service.js';
import { ResultsService } from '../results/results.service.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { RateLimitGuard, UPLOAD_THROTTLER } from '../auth/rate-limit.guard.js';
import { RouteContract } from '../contract/route-contract.js';
import { BenchmarksContract } from './benchmarks.contract.js';

const runId = new UuidPipe('RUN_NOT_FOUND', 'benchmark run');

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
  @RouteContract(BenchmarksContract.create)
  create(@Body(zodPipe(BenchmarkRequestSchema)) req: BenchmarkRequest) {
    return this.benchmarks.create(req);
  }

  @Get(':id')
  @RouteContract(BenchmarksContract.status)
  status(@Param('id', runId) id: string) {
    return this.benchmarks.status(id);
  }

  @Delete(':id')
  @RouteContract(BenchmarksContract.cancel)
  cancel(@Param('id', runId) id: string) {
    return this.benchmarks.cancel(id);
  }

  @Get(':id/results')
  @RouteContract(BenchmarksContract.results)
  runResults(@Param('id', runId) id: string) {
    return this.results.forRun(id);
  }
}
