/** `farm keys create|list|revoke`: API key management (needs an admin key). */
import type { ApiKeyScope } from '@farm/contracts';
import type { ApiClient } from '../api-client.js';

type Out = (line: string) => void;

export async function createKey(api: ApiClient, name: string, scopes: ApiKeyScope[], json: boolean, out: Out, err: Out): Promise<number> {
  const k = await api.createKey({ name, scopes });
  if (json) out(JSON.stringify(k, null, 2));
  else {
    out(k.key);
    // The key on stdout alone, so `export FARM_API_KEY=$(farm keys create ...)` works; the rest on stderr.
    err(`created key ${k.id} "${k.name}" (${k.scopes.join(', ')}); it is shown this once, store it now`);
  }
  return 0;
}

export async function listKeys(api: ApiClient, json: boolean, out: Out): Promise<number> {
  const keys = await api.listKeys();
  if (json) {
    out(JSON.stringify(keys, null, 2));
    return 0;
  }
  for (const k of keys) {
    out(`${k.id}  ${`${k.prefix}…`.padEnd(12)}  ${k.scopes.join(',').padEnd(16)}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'.padEnd(8)}  ${k.name}`);
  }
  if (keys.length === 0) out('no keys');
  return 0;
}

export async function revokeKey(api: ApiClient, id: string, out: Out): Promise<number> {
  const k = await api.revokeKey(id);
  out(`revoked ${k.id} "${k.name}" (${k.prefix}…)`);
  return 0;
}
