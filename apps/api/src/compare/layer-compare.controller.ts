import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@farm/contracts';
import { UuidPipe } from '../common/uuid.pipe.js';
import { LayerCompareService, type LayerScope } from './layer-compare.service.js';

/** Query parameters of the layer views: a model, and either a device (all its frameworks) or a framework (all devices). */
export function layerScope(modelId: string | undefined, deviceId: string | undefined, framework: string | undefined): { modelId: string; scope: LayerScope } {
  if (!modelId) throw new DomainError('VALIDATION_FAILED', 'pass ?modelId=<model id>; list models with GET /models');
  if (!!deviceId === !!framework) {
    throw new DomainError(
      'VALIDATION_FAILED',
      'pass exactly one of ?deviceId=<device id> (every framework on it) or ?framework=<label> (that framework on every device)',
    );
  }
  const id = new UuidPipe('MODEL_NOT_FOUND', 'model').transform(modelId);
  return { modelId: id, scope: deviceId ? { deviceId: new UuidPipe('DEVICE_NOT_FOUND', 'device').transform(deviceId) } : { framework: framework! } };
}

@ApiTags('compare')
@Controller('compare/layers')
export class LayerCompareController {
  constructor(private readonly layers: LayerCompareService) {}

  @Get()
  @ApiOperation({
    summary:
      "Layers aligned across frameworks on the model's source graph (fused groups as sets of source nodes, match confidence), with each framework's time and share per row, an op-class roll-up and end-to-end verdicts",
  })
  @ApiQuery({ name: 'modelId', required: true })
  @ApiQuery({ name: 'deviceId', required: false, description: 'every framework on this device' })
  @ApiQuery({ name: 'framework', required: false, description: 'this framework label (as /compare names it) on every device' })
  get(@Query('modelId') modelId?: string, @Query('deviceId') deviceId?: string, @Query('framework') framework?: string) {
    const q = layerScope(modelId, deviceId, framework);
    return this.layers.layers(q.modelId, q.scope);
  }
}
