import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CreateApiKeySchema, PageQuerySchema, type CreateApiKey, type PageQuery } from '@farm/contracts';
import { ApiKeysService } from './api-keys.service.js';
import { AdminOnly } from './access.decorators.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { UuidPipe } from '../common/uuid.pipe.js';
import { RouteContract } from '../contract/route-contract.js';
import { ApiKeysContract } from './api-keys.contract.js';

/** Key management: admin scope only. */
@AdminOnly()
@Controller('keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @RouteContract(ApiKeysContract.create)
  create(@Body(zodPipe(CreateApiKeySchema)) body: CreateApiKey) {
    return this.keys.create(body);
  }

  @Get()
  @RouteContract(ApiKeysContract.list)
  list(@Query(zodPipe(PageQuerySchema)) page: PageQuery) {
    return this.keys.list(page);
  }

  @Delete(':id')
  @RouteContract(ApiKeysContract.revoke)
  revoke(@Param('id', new UuidPipe('API_KEY_NOT_FOUND', 'API key')) id: string) {
    return this.keys.revoke(id);
  }
}
