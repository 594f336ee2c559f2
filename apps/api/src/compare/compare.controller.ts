import { Controller, Get, Query } from '@nestjs/common';
import { DomainError } from '@farm/contracts';
import { CompareService } from './compare.service.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { RouteContract } from '../contract/route-contract.js';
import { CompareContract } from './compare.contract.js';

@Controller('compare')
export class CompareController {
  constructor(private readonly compare: CompareService) {}

  @Get()
  @RouteContract(CompareContract.compare)
  get(@Query('modelId') modelId: string | undefined) {
    if (!modelId) throw new DomainError('VALIDATION_FAILED', 'pass ?modelId=<model id>; list models with GET /models');
    return this.compare.compare(new UuidPipe('MODEL_NOT_FOUND', 'model').transform(modelId));
  }
}
