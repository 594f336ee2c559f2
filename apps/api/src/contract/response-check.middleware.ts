/**
 * The test stacks' contract check (CONTRACT_CHECK=1): every JSON answer is checked against the
 * contract of its route (the same zod schemas the document is generated from): a success body
 * against its status's schema, an error against the envelope and the codes the route declares for
 * that status. A mismatch is turned into 500 CONTRACT_VIOLATION naming the route and the problem,
 * so the test that made the request fails and says why.
 */
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ErrorEnvelopeSchema } from '@farm/contracts';
import type { RouteContractEntry } from './route-contract.js';
import { errorCodesByStatus } from './openapi-document.js';
import { whatToAdd, type RouteGap } from './route-coverage.js';

interface Matcher {
  method: string;
  re: RegExp;
  contract?: RouteContractEntry;
  gap?: RouteGap;
}

function matcher(method: string, path: string): RegExp {
  const src = path
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${src}/?$`);
}

/** Paths of the fields in `sent` that parsing dropped: fields the schema (and so the document) does not declare. */
function undeclaredFields(sent: unknown, parsed: unknown, at = ''): string[] {
  if (Array.isArray(sent) && Array.isArray(parsed)) return sent.flatMap((v, i) => undeclaredFields(v, parsed[i], `${at}[${i}]`));
  if (!sent || typeof sent !== 'object' || !parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
  return Object.entries(sent as Record<string, unknown>).flatMap(([k, v]) =>
    k in (parsed as object) ? undeclaredFields(v, (parsed as Record<string, unknown>)[k], at ? `${at}.${k}` : k) : [at ? `${at}.${k}` : k],
  );
}

export function contractProblem(contract: RouteContractEntry, status: number, body: unknown): string | null {
  const success = contract.responses[status];
  if (success) {
    if (!success.schema) return `answered JSON where the contract declares ${success.contentType}`;
    const r = success.schema.safeParse(body);
    if (!r.success)
      return `the ${status} body does not match its schema: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
    const extra = undeclaredFields(body, r.data);
    return extra.length
      ? `the ${status} body has fields its schema does not declare (add them to the schema in libs/contracts): ${extra.slice(0, 10).join(', ')}`
      : null;
  }
  const codes = errorCodesByStatus(contract).get(status);
  if (!codes) return `status ${status} is not declared (declared: ${[...Object.keys(contract.responses), ...errorCodesByStatus(contract).keys()].join(', ')})`;
  const env = ErrorEnvelopeSchema.safeParse(body);
  if (!env.success) return `the ${status} body is not the error envelope`;
  if (!(codes as string[]).includes(env.data.error.code)) {
    return `error code ${env.data.error.code} is not declared for ${status} (declared: ${codes.join(', ')}); add it to the route's errors`;
  }
  return null;
}

export function responseCheckMiddleware(contracts: readonly RouteContractEntry[], gaps: readonly RouteGap[]) {
  const logger = new Logger('ContractCheck');
  const matchers: Matcher[] = [
    ...contracts.map((c) => ({ method: c.method, re: matcher(c.method, c.path), contract: c })),
    ...gaps.filter((g) => g.handler !== '(none)').map((g) => ({ method: g.method, re: matcher(g.method, g.path), gap: g })),
  ];
  return (req: Request, res: Response, next: NextFunction): void => {
    const method = req.method.toLowerCase();
    const path = req.path;
    // A literal route (/compare/layers/export) wins over a parameterised one.
    const candidates = matchers.filter((m) => m.method === method && m.re.test(path));
    const found = candidates.sort((a, b) => (b.contract?.path ?? b.gap!.path).length - (a.contract?.path ?? a.gap!.path).length)[0];
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      let problem: string | null = null;
      if (found?.gap) problem = whatToAdd(method, found.gap.path, found.gap.handler);
      else if (found?.contract) problem = contractProblem(found.contract, res.statusCode, body);
      else if (!(res.statusCode === 404 && (body as { error?: { code?: string } })?.error?.code === 'NOT_FOUND')) {
        problem = `no route contract matches ${req.method} ${path}`;
      }
      if (problem === null) return json(body);
      const where = `${req.method} ${found?.contract?.path ?? path}`;
      logger.error(`${where}: ${problem}`);
      res.status(500);
      return json({ error: { code: 'CONTRACT_VIOLATION', message: `${where} broke its contract: ${problem}`, details: { answered: body } } });
    };
    next();
  };
}
