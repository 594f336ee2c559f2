/**
 * Keyset pagination of the list endpoints: a page is ordered by (createdAt, id), and the opaque
 * cursor names the last item of the page before by those two, so items created meanwhile never
 * shift the pages already read (an offset would skip or repeat them).
 */
import { DomainError, type Page, type PageQuery } from '@farm/contracts';

type Direction = 'asc' | 'desc';

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = null;
  }
  const createdAt = Array.isArray(v) && typeof v[0] === 'string' ? new Date(v[0]) : null;
  if (!createdAt || Number.isNaN(createdAt.getTime()) || typeof (v as unknown[])[1] !== 'string' || (v as unknown[]).length !== 2) {
    throw new DomainError('VALIDATION_FAILED', 'cursor: not a cursor this API gave; pass the nextCursor of the previous page, or omit it for the first page');
  }
  return { createdAt, id: (v as string[])[1]! };
}

/** The findMany arguments of one page: one row more than the limit, to know whether another page follows. */
export function pageArgs(q: PageQuery, direction: Direction = 'asc') {
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const beyond = direction === 'asc' ? 'gt' : 'lt';
  return {
    take: q.limit + 1,
    orderBy: [{ createdAt: direction }, { id: direction }],
    where: after ? { OR: [{ createdAt: { [beyond]: after.createdAt } }, { createdAt: after.createdAt, id: { [beyond]: after.id } }] } : {},
  };
}

export function toPage<R extends { createdAt: Date; id: string }, V>(rows: R[], q: PageQuery, view: (r: R) => V): Page<V> {
  const more = rows.length > q.limit;
  const kept = more ? rows.slice(0, q.limit) : rows;
  return { items: kept.map(view), nextCursor: more ? encodeCursor(kept[kept.length - 1]!) : null };
}
