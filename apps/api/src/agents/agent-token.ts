import { createHash } from 'node:crypto';

/** Tokens are stored as their sha256 only; a database dump does not let anyone act as an agent. */
export function hashAgentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
