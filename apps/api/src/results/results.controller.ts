import { Controller, Get, Param } from '@nestjs/common';
import { ResultsService } from './results.service.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { RouteContract } from '../contract/route-contract.js';
import { BenchmarksContract } from '../benchmarks/benchmarks.contract.js';

@Controller('results')
export class ResultsController {
  constructor(private readonly results: ResultsService) {}

  @Get(':jobId')
  @RouteContract(BenchmarksContract.result)
  get(@Param('jobId', new UuidPipe('JOB_NOT_FOUND', 'job')) jobId: string) {
    return this.results.forJob(jobId);
  }
}
