import { Controller, Get, Query } from '@nestjs/common';
import { DomainError } from '@farm/contracts';
import { UuidPipe } from '../../common/uuid.pipe.js';
import { AdviceService } from './advice.service.js';
import { RouteContract } from '../../contract/route-contract.js';
import { CompareContract } from '../compare.contract.js';

@Controller('compare/advice')
export class AdviceController {
  constructor(private readonly advice: AdviceService) {}

  @Get()
  @RouteContract(CompareContract.advice)
  get(@Query('modelId') modelId?: string, @Query('deviceId') deviceId?: string) {
    if (!modelId) throw new DomainError('VALIDATION_FAILED', 'pass ?modelId=<model id>; list models with GET /models');
    return this.advice.advice(
      new UuidPipe('MODEL_NOT_FOUND', 'model').transform(modelId),
      deviceId === undefined ? undefined : new UuidPipe('DEVICE_NOT_FOUND', 'device').transform(deviceId),
    );
  }
}
