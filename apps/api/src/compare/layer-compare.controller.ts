import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@farm/contracts';
import { UuidPipe } from '../common/uuid.pipe.js';
import { LayerCompareService, type LayerScope } from './layer-compare.service.js';
import { layerCompareCsv } from './layer-compare-csv.js';

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

  @Get('export')
  @ApiOperation({ summary: 'The same comparison as a download: ?format=csv (one line per aligned row) or ?format=json (the /compare/layers body)' })
  @ApiQuery({ name: 'modelId', required: true })
  @ApiQuery({ name: 'deviceId', required: false })
  @ApiQuery({ name: 'framework', required: false })
  @ApiQuery({ name: 'format', required: true, enum: ['csv', 'json'] })
  async export(
    @Res() res: Response,
    @Query('modelId') modelId?: string,
    @Query('deviceId') deviceId?: string,
    @Query('framework') framework?: string,
    @Query('format') format?: string,
  ): Promise<void> {
    if (format !== 'csv' && format !== 'json') throw new DomainError('VALIDATION_FAILED', 'pass ?format=csv or ?format=json');
    const q = layerScope(modelId, deviceId, framework);
    const view = await this.layers.layers(q.modelId, q.scope);
    const scope = view.scope.kind === 'device' ? view.scope.deviceName : view.scope.framework;
    const name = `${view.modelName}-${scope}-layers`.replace(/[^A-Za-z0-9._-]+/g, '_');
    res.setHeader('content-disposition', `attachment; filename="${name}.${format}"`);
    if (format === 'csv') res.type('text/csv; charset=utf-8').send(layerCompareCsv(view));
    else res.type('application/json').send(JSON.stringify(view, null, 2));
  }
}
