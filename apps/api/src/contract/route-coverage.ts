/**
 * Compares the routes Nest serves with the route contracts: a handler without @RouteContract, or
 * whose contract names another method, path or access, is a gap in the document. The API logs the
 * gaps at start-up and lists them in the served document, where the contract test reports them
 * with what to add.
 */
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { ACCESS, type Access } from '../auth/access.decorators.js';
import { ROUTE_CONTRACT, type RouteContractEntry } from './route-contract.js';

export interface RouteGap {
  method: string;
  path: string;
  handler: string;
  problem: string;
}

function joinPath(...parts: (string | undefined)[]): string {
  const p = parts
    .filter((x): x is string => !!x && x !== '/')
    .map((x) => x.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return `/${p}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function expectedAccess(access: Access | undefined, method: string, contract: RouteContractEntry): boolean {
  if (access === 'public') return contract.access === 'public';
  if (access === 'agent') return contract.access === 'agent' || contract.access === 'agentBootstrap';
  if (access === 'admin') return contract.access === 'admin';
  return contract.access === (method === 'get' ? 'read' : 'write');
}

export function whatToAdd(method: string, path: string, handler: string): string {
  return (
    `${method.toUpperCase()} ${path} (${handler}) has no route contract. Add: (1) its response schema in libs/contracts ` +
    `(a zod schema with .meta({ id: '<Name>' }); a list answers pageSchema(<Item>, '<Name>Page') and takes PageQuerySchema); ` +
    `(2) a defineRoute({ method: '${method}', path: '${path}', operationId, summary, tag, access, params/query/body, responses: { 200: { description, schema } }, errors: [<ErrorCode>...] }) ` +
    `entry in the <domain>.contract.ts beside its controller, imported by apps/api/src/contract/all-route-contracts.ts; ` +
    `(3) @RouteContract(<entry>) on the handler; then run "npm run openapi" to refresh docs/openapi.json and libs/api-client.`
  );
}

export function routeGaps(app: INestApplication, contracts: readonly RouteContractEntry[]): RouteGap[] {
  const gaps: RouteGap[] = [];
  const seen = new Set<RouteContractEntry>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const cls = wrapper.metatype as (new (...a: unknown[]) => unknown) | null;
      if (!cls) continue;
      const base = Reflect.getMetadata(PATH_METADATA, cls) as string | undefined;
      const classAccess = Reflect.getMetadata(ACCESS, cls) as Access | undefined;
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const fn = (cls.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof fn !== 'function') continue;
        const m = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
        if (m === undefined) continue;
        const method = RequestMethod[m]!.toLowerCase();
        const path = joinPath(base, Reflect.getMetadata(PATH_METADATA, fn) as string | undefined);
        const handler = `${cls.name}.${name}`;
        const contract = Reflect.getMetadata(ROUTE_CONTRACT, fn) as RouteContractEntry | undefined;
        if (!contract) {
          gaps.push({ method, path, handler, problem: whatToAdd(method, path, handler) });
          continue;
        }
        seen.add(contract);
        if (contract.method !== method || contract.path !== path) {
          gaps.push({
            method,
            path,
            handler,
            problem: `${handler} serves ${method.toUpperCase()} ${path} but its contract says ${contract.method.toUpperCase()} ${contract.path}`,
          });
        }
        const access = (Reflect.getMetadata(ACCESS, fn) as Access | undefined) ?? classAccess;
        if (!expectedAccess(access, method, contract)) {
          gaps.push({
            method,
            path,
            handler,
            problem: `${handler}: its guards give access "${access ?? 'default'}" but its contract says "${contract.access}"`,
          });
        }
      }
    }
  }
  for (const c of contracts) {
    if (!seen.has(c))
      gaps.push({
        method: c.method,
        path: c.path,
        handler: '(none)',
        problem: `${c.method.toUpperCase()} ${c.path} has a contract but no handler carries it (@RouteContract)`,
      });
  }
  return gaps;
}
