import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CreateApiKeySchema, type CreateApiKey } from '@farm/contracts';
import { ApiKeysService } from './api-keys.service.js';
import { AdminOnly } from './access.decorators.js';
import { zodPipe } from '../common/zod-body.pipe.js';
import { openApiSchema } from '../common/openapi.js';
import { UuidPipe } from '../common/uuid.pipe.js';

/** Key management: admin scope only. */
@ApiTags('keys')
@ApiBearerAuth('apiKey')
@ApiSecurity('apiKeyHeader')
@AdminOnly()
@Controller('keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an API key; the answer is the only place the key itself appears' })
  @ApiBody({ schema: openApiSchema(CreateApiKeySchema) })
  create(@Body(zodPipe(CreateApiKeySchema)) body: CreateApiKey) {
    return this.keys.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (prefix, scopes, revocation; never the key)' })
  list() {
    return this.keys.list();
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once' })
  revoke(@Param('id', new UuidPipe('API_KEY_NOT_FOUND', 'API key')) id: string) {
    return this.keys.revoke(id);
  }
}
