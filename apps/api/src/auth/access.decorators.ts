/**
 * How an endpoint is reached. Unmarked endpoints follow the default: GET/HEAD need read access
 * (open or a key, by READ_ACCESS), everything else a key with write scope.
 */
import { SetMetadata } from '@nestjs/common';

export const ACCESS = Symbol('access');

/** public: no key ever (health); agent: the agent's own credential (AgentAuthGuard), never a user key; admin: a key with admin scope. */
export type Access = 'public' | 'agent' | 'admin';

export const Public = () => SetMetadata(ACCESS, 'public' satisfies Access);
export const AgentEndpoint = () => SetMetadata(ACCESS, 'agent' satisfies Access);
export const AdminOnly = () => SetMetadata(ACCESS, 'admin' satisfies Access);
