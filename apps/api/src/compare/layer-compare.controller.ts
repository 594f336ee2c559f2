import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@farm/contracts';
import { UuidPipe } from '../common/uuid.pipe.js';
import { LayerCompareService, type LayerScope } from './layer-compare.service.js';
import { layerCompareCsv } from './layer-compare-csv.js';
import { RouteContract } from '../contract/route-contract.js';
import { CompareContract } from './compare.contract.js';

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

@Controller('compare/layers')
export class LayerCompareController {
  constructor(private readonly layers: LayerCompareService) {}

  @Get()
  @RouteContract(CompareContract.layers)
  get(@Query('modelId') modelId?: string, @Query('deviceId') deviceId?: string, @Query('framework') framework?: string) {
    const q = layerScope(modelId, deviceId, framework);
    return this.layers.layers(q.modelId, q.scope);
  }

  @Get('export')
  @RouteContract(CompareContract.layersExport)
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
