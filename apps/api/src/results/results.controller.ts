import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ResultsService } from './results.service.js';
import { UuidPipe } from '../common/uuid.pipe.js';

@ApiTags('results')
@Controller('results')
export class ResultsController {
  constructor(private readonly results: ResultsService) {}

  @Get(':jobId')
  @ApiOperation({ summary: "One job's statistics, raw latencies, environment and per-layer timings" })
  get(@Param('jobId', new UuidPipe('JOB_NOT_FOUND', 'job')) jobId: string) {
    return this.results.forJob(jobId);
  }
}
