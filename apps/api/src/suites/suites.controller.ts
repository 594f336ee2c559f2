import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CreateSuiteRequestSchema, ListRegressionsQuerySchema, UpdateRegressionRequestSchema, type CreateSuiteRequest } from '@farm/contracts';
import type { z } from 'zod';
import { SuitesService } from './suites.service.js';
import { RegressionsService } from './regressions.service.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { openApiSchema } from '../common/openapi.js';

@ApiTags('suites')
@Controller('suites')
export class SuitesController {
  constructor(private readonly suites: SuitesService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Create a suite: models (latest or pinned version), device selector, frameworks, options, detection settings, webhooks, optional cron schedule',
  })
  @ApiBody({ schema: openApiSchema(CreateSuiteRequestSchema) })
  create(@Body(zodPipe(CreateSuiteRequestSchema)) body: CreateSuiteRequest) {
    return this.suites.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List suites with their last night' })
  list() {
    return this.suites.list();
  }

  @Get(':id')
  get(@Param('id', new UuidPipe('SUITE_NOT_FOUND', 'suite')) id: string) {
    return this.suites.get(id);
  }

  @Post(':id/run')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run now: start a night of the suite (evaluated against its baseline when its runs end)' })
  run(@Param('id', new UuidPipe('SUITE_NOT_FOUND', 'suite')) id: string) {
    return this.suites.runNow(id);
  }

  @Get(':id/nights')
  nights(@Param('id', new UuidPipe('SUITE_NOT_FOUND', 'suite')) id: string) {
    return this.suites.listNights(id);
  }

  @Get(':id/trends')
  @ApiOperation({ summary: "Each cell's median per night with its interval, the night's environment and confirmed changes" })
  trends(@Param('id', new UuidPipe('SUITE_NOT_FOUND', 'suite')) id: string) {
    return this.suites.trends(id);
  }
}

@ApiTags('suites')
@Controller('regressions')
export class RegressionsController {
  constructor(private readonly regressions: RegressionsService) {}

  @Get()
  @ApiOperation({ summary: 'Regressions (and improvements) found by suites; ?state=open|acknowledged|resolved|false_alarm|suspected&suiteId=' })
  list(@Query(zodPipe(ListRegressionsQuerySchema)) q: z.infer<typeof ListRegressionsQuerySchema>) {
    return this.regressions.list(q);
  }

  @Get(':id')
  get(@Param('id', new UuidPipe('REGRESSION_NOT_FOUND', 'regression')) id: string) {
    return this.regressions.get(id);
  }

  @Patch(':id')
  @ApiBody({ schema: openApiSchema(UpdateRegressionRequestSchema) })
  update(
    @Param('id', new UuidPipe('REGRESSION_NOT_FOUND', 'regression')) id: string,
    @Body(zodPipe(UpdateRegressionRequestSchema)) body: z.infer<typeof UpdateRegressionRequestSchema>,
  ) {
    return this.regressions.setState(id, body.state);
  }
}
