import { Body, Controller, Get, HttpCode, Param, Post, Res, UploadedFiles, UseGuards, UseInterceptors } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { DomainError } from '@farm/contracts';
import { ModelsService } from './models.service.js';
import { ConversionsService } from '../conversions/conversions.service.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { openApiSchema } from '../common/openapi.js';
import { RateLimitGuard, RUN_THROTTLER } from '../auth/rate-limit.guard.js';

const QuantizeBodySchema = z
  .object({
    artifactId: z.string().uuid().optional(),
    calibration: z.enum(['minmax', 'percentile']).default('percentile'),
    /** Uploaded calibration data (POST /calibration-sets); default: seeded synthetic inputs. */
    calibrationSetId: z.string().uuid().optional(),
  })
  .strict();

const UploadFieldsSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  modelId: z.string().uuid().optional(),
});

@ApiTags('models')
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
  @ApiOperation({
    summary: 'Upload an ONNX, TFLite, NCNN or Core ML (.mlmodel, zipped .mlpackage) model (format detected from content; deduplicated by sha256)',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description: 'the model: .onnx, .tflite, an NCNN .param, a Core ML .mlmodel, or an .mlpackage directory zipped',
        },
        weights: { type: 'string', format: 'binary', description: "an NCNN model's .bin (required with a .param, refused otherwise)" },
        name: { type: 'string', description: 'display name; default: the file name' },
        modelId: { type: 'string', format: 'uuid', description: 'add this file as another artifact of an existing model (e.g. its TFLite export)' },
      },
    },
  })
  @UseInterceptors(
    FileFieldsInterceptor([
      { name: 'file', maxCount: 1 },
      { name: 'weights', maxCount: 1 },
    ]),
  )
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
  @ApiOperation({ summary: 'List models with their artifacts' })
  list() {
    return this.models.list();
  }

  @Post(':id/quantize')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Queue the int8 QDQ variant of an fp32 ONNX artifact (made by the worker), for fp32 vs int8 benchmarks: 202 with a conversion to poll at GET /conversions/:id, or 200 when the variant exists already',
  })
  @ApiBody({ schema: openApiSchema(QuantizeBodySchema) })
  async quantize(
    @Param('id', new UuidPipe('MODEL_NOT_FOUND', 'model')) id: string,
    @Body(zodPipe(QuantizeBodySchema)) body: z.infer<typeof QuantizeBodySchema>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const conversion = await this.conversions.request(id, body.artifactId, body.calibration, body.calibrationSetId);
    if (conversion.status === 'succeeded') res.status(200);
    return conversion;
  }

  @Get(':id')
  @ApiOperation({ summary: 'One model: artifacts, inputs/outputs, op histogram' })
  get(@Param('id', new UuidPipe('MODEL_NOT_FOUND', 'model')) id: string) {
    return this.models.get(id);
  }
}
