import { Controller, Get, Param } from '@nestjs/common';
import { UuidPipe } from '../common/uuid.pipe.js';
import { ConversionsService } from './conversions.service.js';
import { RouteContract } from '../contract/route-contract.js';
import { ModelsContract } from '../models/models.contract.js';

@Controller('conversions')
export class ConversionsController {
  constructor(private readonly conversions: ConversionsService) {}

  @Get(':id')
  @RouteContract(ModelsContract.conversion)
  get(@Param('id', new UuidPipe('CONVERSION_NOT_FOUND', 'conversion')) id: string) {
    return this.conversions.get(id);
  }
}
