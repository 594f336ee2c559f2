import { Body, Controller, Get, HttpCode, Param, Post, Query, Res, UploadedFiles, UseGuards, UseInterceptors } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError, PageQuerySchema, QuantizeRequestSchema, type PageQuery, type QuantizeRequest } from '@farm/contracts';
import { ModelsService } from './models.service.js';
import { ConversionsService } from '../conversions/conversions.service.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { RateLimitGuard, RUN_THROTTLER } from '../auth/rate-limit.guard.js';
import { RouteContract } from '../contract/route-contract.js';
import { ModelsContract, UploadFieldsSchema } from './models.contract.js';

@Controller('models')
export class ModelsController {
  constructor(
    private readonly models: ModelsService,
    private readonly conversions: ConversionsService,
  ) {}

  @Post()
  @HttpCode(201)
  @UseGuards(RateLimitGuard)
  @SkipThrottle({ [RUN_THROTTLER]: true })
  @UseInterceptors(
    FileFieldsInterceptor([
      { name: 'file', maxCount: 1 },
      { name: 'weights', maxCount: 1 },
    ]),
  )
  @RouteContract(ModelsContract.upload)
  async upload(
    @UploadedFiles() files: { file?: Express.Multer.File[]; weights?: Express.Multer.File[] } | undefined,
    @Body(zodPipe(UploadFieldsSchema)) fields: z.infer<typeof UploadFieldsSchema>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const file = files?.file?.[0];
    const weights = files?.weights?.[0];
    if (!file) throw new DomainError('VALIDATION_FAILED', 'send the model as multipart/form-data in a field named "file"');
    const r = await this.models.upload({
      bytes: file.buffer,
      fileName: file.originalname,
      ...(weights ? { weights: { bytes: weights.buffer, fileName: weights.originalname } } : {}),
      ...fields,
    });
    if (r.deduplicated) res.status(200);
    return r;
  }

  @Get()
  @RouteContract(ModelsContract.list)
  list(@Query(zodPipe(PageQuerySchema)) page: PageQuery) {
    return this.models.list(page);
  }

  @Post(':id/quantize')
  @HttpCode(202)
  @RouteContract(ModelsContract.quantize)
  async quantize(
    @Param('id', new UuidPipe('MODEL_NOT_FOUND', 'model')) id: string,
    @Body(zodPipe(QuantizeRequestSchema)) body: QuantizeRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const conversion = await this.conversions.request(id, body.artifactId, body.calibration, body.calibrationSetId);
    if (conversion.status === 'succeeded') res.status(200);
    return conversion;
  }

  @Get(':id')
  @RouteContract(ModelsContract.get)
  get(@Param('id', new UuidPipe('MODEL_NOT_FOUND', 'model')) id: string) {
    return this.models.get(id);
  }
}
