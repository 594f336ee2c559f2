import { Controller, Get, HttpCode, Param, Post, UploadedFiles, UseGuards, UseInterceptors } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import { DomainError } from '@farm/contracts';
import { UuidPipe } from '../common/uuid.pipe.js';
import { RateLimitGuard, RUN_THROTTLER } from '../auth/rate-limit.guard.js';
import { TensorsService } from './tensors.service.js';
import { RouteContract } from '../contract/route-contract.js';
import { TensorsContract } from './tensors.contract.js';

@Controller('tensors')
export class TensorsController {
  constructor(private readonly tensors: TensorsService) {}

  @Post()
  @HttpCode(201)
  @UseGuards(RateLimitGuard)
  @SkipThrottle({ [RUN_THROTTLER]: true })
  @RouteContract(TensorsContract.upload)
  @UseInterceptors(FileFieldsInterceptor([{ name: 'file', maxCount: 1 }]))
  upload(@UploadedFiles() files: { file?: Express.Multer.File[] } | undefined) {
    const file = files?.file?.[0];
    if (!file) throw new DomainError('VALIDATION_FAILED', 'send the tensor as multipart/form-data in a field named "file"');
    return this.tensors.upload(file.buffer, file.originalname);
  }

  @Get(':id')
  @RouteContract(TensorsContract.get)
  get(@Param('id', new UuidPipe('TENSOR_NOT_FOUND', 'tensor')) id: string) {
    return this.tensors.get(id);
  }
}
