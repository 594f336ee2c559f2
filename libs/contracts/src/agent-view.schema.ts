/** Answers of the agent endpoints and of the admin's agent views. */
import { z } from 'zod';
import { DEVICE_STATUSES } from './agent.schema.js';
import { pageSchema } from './api-common.schema.js';

export const AgentViewSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    hostname: z.string(),
    version: z.string(),
    createdAt: z.string(),
    lastHeartbeatAt: z.string(),
    /** False once an admin revoked its credentials. */
    credentialActive: z.boolean(),
    /** Its devices and their BullMQ queue names (for per-agent Redis ACL users). */
    devices: z.array(z.object({ id: z.string().uuid(), serial: z.string(), status: z.enum(DEVICE_STATUSES), queue: z.string() })),
  })
  .meta({ id: 'Agent' });
export type AgentView = z.infer<typeof AgentViewSchema>;
export const AgentPageSchema = pageSchema(AgentViewSchema, 'AgentPage');

export const AgentRevokedSchema = z.object({ agentId: z.string().uuid(), revoked: z.literal(true) }).meta({ id: 'AgentRevoked' });

/** The answer of an agent's report that carries nothing else. */
export const AckSchema = z.object({ ok: z.literal(true) }).meta({ id: 'Ack' });

/** PUT /agent/jobs/:jobId/result: 201 stored, 200 when this job's result was stored already (the stored one is kept). */
export const ResultIngestSchema = z.object({ stored: z.boolean(), resultId: z.string().uuid() }).meta({ id: 'ResultIngest' });

const CheckSchema = z.object({ ok: z.boolean(), error: z.string().optional(), ms: z.number() });

/** GET /health: 200 with status "ok"; 503 (error envelope, this body in details) when the database or the queue is down. */
export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    database: CheckSchema,
    queue: CheckSchema.extend({ backend: z.string() }),
    eventLoop: z.object({ windowMs: z.number(), maxDelayMs: z.number(), p99DelayMs: z.number() }),
  })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof HealthSchema>;
