/**
 * Credentials, shared by the API, the CLI, the agent and the dashboard: API key scopes and the
 * shapes of the key and agent-enrollment endpoints.
 */
import { z } from 'zod';
import { pageSchema } from './api-common.schema.js';

/** read: GET endpoints (when reads need a key); write: uploads, runs, cancels; admin: keys and agents. */
export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Every key starts with this, so a leaked key is recognisable (secret scanners, logs). */
export const API_KEY_PREFIX = 'fk_';

export const CreateApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(3),
  })
  .strict()
  .meta({ id: 'CreateApiKeyRequest' });
export type CreateApiKey = z.infer<typeof CreateApiKeySchema>;

export const ApiKeyViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyView = z.infer<typeof ApiKeyViewSchema>;

/** The one answer that carries the key itself: it is shown once and never stored in clear. */
export const CreatedApiKeySchema = ApiKeyViewSchema.extend({ key: z.string() }).meta({ id: 'CreatedApiKey' });
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;

export const AgentEnrollSchema = z
  .object({
    name: z.string().min(1).max(200),
    hostname: z.string().max(255),
    version: z.string().max(100),
  })
  .strict()
  .meta({ id: 'AgentEnrollRequest' });
export type AgentEnroll = z.infer<typeof AgentEnrollSchema>;

/** An agent's own credential, returned by enrollment and rotation; the agent keeps it in its data dir. */
export const AgentCredentialSchema = z
  .object({
    agentId: z.string(),
    credential: z.string().min(32),
  })
  .meta({ id: 'AgentCredential' });
export type AgentCredential = z.infer<typeof AgentCredentialSchema>;

export const ApiKeyPageSchema = pageSchema(ApiKeyViewSchema, 'ApiKeyPage');
