/**
 * One route's contract: its request and response shapes (zod schemas from @farm/contracts), who may
 * call it, the domain error codes it can answer with and an example. The OpenAPI document, the
 * response check of the test stack and the typed client are all generated from these entries, so a
 * route is described once. Adding a route: its schemas in libs/contracts, one `defineRoute` entry in
 * the `<domain>.contract.ts` beside its controller, and `@RouteContract(entry)` on the handler.
 */
import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';
import type { ErrorCode } from '@farm/contracts';

/**
 * read / write / admin: an API key with that scope (reads may be open, READ_ACCESS); public: no
 * credential; agentBootstrap: the bootstrap token; agent: an enrolled agent's own credential.
 */
export type RouteAccess = 'read' | 'write' | 'admin' | 'public' | 'agentBootstrap' | 'agent';

export interface ResponseContract {
  description: string;
  /** A JSON body; omit with contentType for a download. */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
  example?: unknown;
}

export interface RouteContractDef {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style: /models/{id}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: RouteAccess;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; contentType?: 'application/json' | 'multipart/form-data'; example?: unknown };
  /** Success answers by status. */
  responses: Record<number, ResponseContract>;
  /**
   * Domain codes this route answers with, beyond those its access and request imply (see
   * impliedErrorCodes): the document groups them by their status in ERROR_CODES.
   */
  errors: ErrorCode[];
  /** Framework codes beyond the implied ones, by status (e.g. a download's own refusals). */
}

export type RouteContractEntry = Readonly<RouteContractDef>;

const ROUTES: RouteContractEntry[] = [];

/** Declares a route's contract; every entry lands in the document. */
export function defineRoute(def: RouteContractDef): RouteContractEntry {
  if (ROUTES.some((r) => r.method === def.method && r.path === def.path)) throw new Error(`two contracts for ${def.method.toUpperCase()} ${def.path}`);
  ROUTES.push(def);
  return def;
}

export function allRouteContracts(): readonly RouteContractEntry[] {
  return ROUTES;
}

export const ROUTE_CONTRACT = Symbol('route-contract');

/** Ties a handler to its contract; the document builder checks every handler has one and that method and path agree. */
export const RouteContract = (entry: RouteContractEntry) => SetMetadata(ROUTE_CONTRACT, entry);
