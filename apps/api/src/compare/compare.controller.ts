import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@farm/contracts';
import { CompareService } from './compare.service.js';
import { UuidPipe } from '../common/uuid.pipe.js';

@ApiTags('compare')
@Controller('compare')
export class CompareController {
  constructor(private readonly compare: CompareService) {}

  @Get()
  @ApiOperation({
    summary:
      'Framework x device matrix of median latency (95% CI, p90, robust spread, outliers) with per-op-class breakdown per cell, and a bootstrap verdict for every pair of cells on a device',
  })
  @ApiQuery({ name: 'modelId', required: true })
  get(@Query('modelId') modelId: string | undefined) {
    if (!modelId) throw new DomainError('VALIDATION_FAILED', 'pass ?modelId=<model id>; list models with GET /models');
    return this.compare.compare(new UuidPipe('MODEL_NOT_FOUND', 'model').transform(modelId));
  }
}
