/** Jobs across runs that need a person: failed ones and ones stuck on a silent device, each with its reason. */
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AttentionJobsSchema } from '@farm/contracts';
import { BenchmarksService } from '../benchmarks/benchmarks.service.js';
import { openApiSchema } from '../common/openapi.js';

@ApiTags('benchmarks')
@Controller('jobs')
export class JobsController {
  constructor(private readonly benchmarks: BenchmarksService) {}

  @Get('attention')
  @ApiOperation({ summary: 'The 100 newest failed jobs and jobs whose device went silent, each with attempts, last error and why it waits' })
  @ApiOkResponse({ schema: openApiSchema(AttentionJobsSchema) })
  attention() {
    return this.benchmarks.attention();
  }
}
