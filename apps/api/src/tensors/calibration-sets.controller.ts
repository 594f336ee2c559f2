import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CreateCalibrationSetRequestSchema, type CreateCalibrationSetRequest } from '@farm/contracts';
import { UuidPipe } from '../common/uuid.pipe.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { TensorsService } from './tensors.service.js';
import { RouteContract } from '../contract/route-contract.js';
import { TensorsContract } from './tensors.contract.js';

@Controller('calibration-sets')
export class CalibrationSetsController {
  constructor(private readonly tensors: TensorsService) {}

  @Post()
  @HttpCode(201)
  @RouteContract(TensorsContract.createCalibrationSet)
  create(@Body(zodPipe(CreateCalibrationSetRequestSchema)) body: CreateCalibrationSetRequest) {
    return this.tensors.createCalibrationSet(body.tensorIds, body.input);
  }

  @Get(':id')
  @RouteContract(TensorsContract.getCalibrationSet)
  get(@Param('id', new UuidPipe('CALIBRATION_SET_NOT_FOUND', 'calibration set')) id: string) {
    return this.tensors.getCalibrationSet(id);
  }
}
