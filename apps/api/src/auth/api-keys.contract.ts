/** Route contracts of API key management (see contract/route-contract.ts). */
import { ApiKeyPageSchema, ApiKeyViewSchema, CreateApiKeySchema, CreatedApiKeySchema, PageQuerySchema } from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';
import { IdParams } from '../contract/route-params.js';

export const ApiKeysContract = {
  create: defineRoute({
    method: 'post',
    path: '/keys',
    operationId: 'createApiKey',
    summary: 'Create an API key; the answer is the only place the key itself appears',
    tag: 'keys',
    access: 'admin',
    body: { schema: CreateApiKeySchema, example: { name: 'ci', scopes: ['write'] } },
    responses: { 201: { description: 'the key, shown once', schema: CreatedApiKeySchema } },
    errors: [],
  }),
  list: defineRoute({
    method: 'get',
    path: '/keys',
    operationId: 'listApiKeys',
    summary: 'List API keys (prefix, scopes, revocation; never the key), oldest first, one page at a time',
    tag: 'keys',
    access: 'admin',
    query: PageQuerySchema,
    responses: { 200: { description: 'a page of keys', schema: ApiKeyPageSchema } },
    errors: [],
  }),
  revoke: defineRoute({
    method: 'delete',
    path: '/keys/{id}',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key; it stops working at once',
    tag: 'keys',
    access: 'admin',
    params: IdParams,
    responses: { 200: { description: 'the revoked key', schema: ApiKeyViewSchema } },
    errors: ['API_KEY_NOT_FOUND'],
  }),
};
