import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  CreateSuiteRequestSchema,
  ListRegressionsQuerySchema,
  PageQuerySchema,
  UpdateRegressionRequestSchema,
  type CreateSuiteRequest,
  type ListRegressionsQuery,
  type PageQuery,
} from '@farm/contracts';
import type { z } from 'zod';
import { SuitesService } from './suites.service.js';
import { RegressionsService } from './regressions.service.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { RouteContract } from '../contract/route-contract.js';
import { RegressionsContract, SuitesContract } from './suites.contract.js';

@Controller('suites')
export class SuitesController {
  constructor(private readonly suites: SuitesService) {}

  @Post()
  @HttpCode(201)
  @RouteContract(SuitesContract.create)
  create(@Body(zodPipe(CreateSuiteRequestSchema)) body: CreateSuiteRequest) {
    return this.suites.create(body);
  }

  @Get()
  @RouteContract(SuitesContract.list)
  list(@Query(zodPipe(PageQuerySchema)) page: PageQuery) {
    return this.suites.list(page);
  }

  @Get(':id')
  @RouteContract(SuitesContract.get)
  get(@Param('id', new UuidPipe('SUITE_NOT_FOUND', 'suite')) id: string) {
    return this.suites.get(id);
  }

  @Post(':id/run')
  @HttpCode(202)
  @RouteContract(SuitesContract.run)
  run(@Param('id', new UuidPipe('SUITE_NOT_FOUND', 'suite')) id: string) {
    return this.suites.runNow(id);
  }

  @Get(':id/nights')
  @RouteContract(SuitesContract.nights)
  nights(@Param('id', new UuidPipe('SUITE_NOT_FOUND', 'suite')) id: string) {
    return this.suites.listNights(id);
  }

  @Get(':id/trends')
  @RouteContract(SuitesContract.trends)
  trends(@Param('id', new UuidPipe('SUITE_NOT_FOUND', 'suite')) id: string) {
    return this.suites.trends(id);
  }
}

@Controller('regressions')
export class RegressionsController {
  constructor(private readonly regressions: RegressionsService) {}

  @Get()
  @RouteContract(RegressionsContract.list)
  list(@Query(zodPipe(ListRegressionsQuerySchema)) q: ListRegressionsQuery) {
    return this.regressions.list(q);
  }

  @Get(':id')
  @RouteContract(RegressionsContract.get)
  get(@Param('id', new UuidPipe('REGRESSION_NOT_FOUND', 'regression')) id: string) {
    return this.regressions.get(id);
  }

  @Patch(':id')
  @RouteContract(RegressionsContract.update)
  update(
    @Param('id', new UuidPipe('REGRESSION_NOT_FOUND', 'regression')) id: string,
    @Body(zodPipe(UpdateRegressionRequestSchema)) body: z.infer<typeof UpdateRegressionRequestSchema>,
  ) {
    return this.regressions.setState(id, body.state);
  }
}
