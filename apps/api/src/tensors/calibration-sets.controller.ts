import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { UuidPipe } from '../common/uuid.pipe.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { TensorsService } from './tensors.service.js';

export const CALIBRATION_SET_MAX_SAMPLES = 64;

const CalibrationSetBodySchema = z
  .object({
    /** Uploaded tensors (POST /tensors), one calibration sample each. */
    tensorIds: z.array(z.string().uuid()).min(1).max(CALIBRATION_SET_MAX_SAMPLES),
    /** The graph input they feed; default: the model's only input. */
    input: z.string().min(1).max(256).optional(),
  })
  .strict();

@ApiTags('calibration')
@Controller('calibration-sets')
export class CalibrationSetsController {
  constructor(private readonly tensors: TensorsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Group uploaded tensors into calibration data for quantization, reused by id in POST /models/:id/quantize' })
  create(@Body(zodPipe(CalibrationSetBodySchema)) body: z.infer<typeof CalibrationSetBodySchema>) {
    return this.tensors.createCalibrationSet(body.tensorIds, body.input);
  }

  @Get(':id')
  get(@Param('id', new UuidPipe('CALIBRATION_SET_NOT_FOUND', 'calibration set')) id: string) {
    return this.tensors.getCalibrationSet(id);
  }
}
