import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { UuidPipe } from '../common/uuid.pipe.js';
import { ConversionsService } from './conversions.service.js';

@ApiTags('models')
@Controller('conversions')
export class ConversionsController {
  constructor(private readonly conversions: ConversionsService) {}

  @Get(':id')
  @ApiOperation({ summary: 'A conversion (int8 quantization): queued, running, succeeded with its artifactId, or failed with an error code and message' })
  get(@Param('id', new UuidPipe('CONVERSION_NOT_FOUND', 'conversion')) id: string) {
    return this.conversions.get(id);
  }
}
