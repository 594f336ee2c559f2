/** Jobs across runs that need a person: failed ones and ones stuck on a silent device, each with its reason. */
import { Controller, Get } from '@nestjs/common';
import { BenchmarksService } from '../benchmarks/benchmarks.service.js';
import { RouteContract } from '../contract/route-contract.js';
import { JobsContract } from './jobs.contract.js';

@Controller('jobs')
export class JobsController {
  constructor(private readonly benchmarks: BenchmarksService) {}

  @Get('attention')
  @RouteContract(JobsContract.attention)
  attention() {
    return this.benchmarks.attention();
  }
}
