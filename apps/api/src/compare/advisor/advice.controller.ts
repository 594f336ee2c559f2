import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@farm/contracts';
import { UuidPipe } from '../../common/uuid.pipe.js';
import { AdviceService } from './advice.service.js';

@ApiTags('compare')
@Controller('compare/advice')
export class AdviceController {
  constructor(private readonly advice: AdviceService) {}

  @Get()
  @ApiOperation({
    summary:
      'Advice from the graph and the measured, aligned layers: channels not a multiple of 8 on costly convs, unfolded batch norm, transposed or dilated convs with a large share, int8 slower than fp32, the best framework per device, layers far slower on one engine; each with its evidence, measured gain or "not measured", and ready POST /benchmarks bodies where the farm can try the fix',
  })
  @ApiQuery({ name: 'modelId', required: true })
  @ApiQuery({ name: 'deviceId', required: false, description: 'only this device (default: every device with results)' })
  get(@Query('modelId') modelId?: string, @Query('deviceId') deviceId?: string) {
    if (!modelId) throw new DomainError('VALIDATION_FAILED', 'pass ?modelId=<model id>; list models with GET /models');
    return this.advice.advice(
      new UuidPipe('MODEL_NOT_FOUND', 'model').transform(modelId),
      deviceId === undefined ? undefined : new UuidPipe('DEVICE_NOT_FOUND', 'device').transform(deviceId),
    );
  }
}
