/**
 * CLI configuration: the API base URL (--api, FARM_API_URL) and the API key (FARM_API_KEY, or the
 * key saved for that URL in the keys file that `npm run farm` writes), resolved and validated
 * once here. Nothing else in the CLI reads process.env. A key is never taken from a flag, so it
 * stays out of shell history and process lists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

export const DEFAULT_API_URL = 'http://localhost:3000';

const ApiUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).transform((u) => u.replace(/\/+$/, ''));
const KeysFileSchema = z.object({ keys: z.record(z.string(), z.string().min(1)) });

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface CliConfig {
  apiUrl: string;
  /** Sent as "Authorization: Bearer"; undefined: requests go without one (reads may be open). */
  apiKey: string | undefined;
}

/** Where saved keys live: one per API URL, so a key is only ever sent to the farm it belongs to. */
export function keysFilePath(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'nn-bench-farm', 'keys.json');
}

function savedKey(path: string, apiUrl: string): string | undefined {
  if (!existsSync(path)) return undefined;
  let parsed;
  try {
    parsed = KeysFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (e) {
    throw new ConfigError(`${path} is not JSON (${(e as Error).message}); fix or remove it`);
  }
  if (!parsed.success) throw new ConfigError(`${path} must look like {"keys": {"<API URL>": "<key>"}}; fix or remove it`);
  return parsed.data.keys[apiUrl];
}

export function resolveConfig(flags: { api?: string }, env: NodeJS.ProcessEnv): CliConfig {
  const raw = flags.api ?? env.FARM_API_URL ?? DEFAULT_API_URL;
  const source = flags.api !== undefined ? '--api' : env.FARM_API_URL !== undefined ? 'FARM_API_URL' : 'default';
  const parsed = ApiUrlSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${source} "${raw}" ${parsed.error.issues[0]?.message ?? 'is not a valid URL'}`);
  const apiKey = env.FARM_API_KEY || savedKey(keysFilePath(env), parsed.data);
  return { apiUrl: parsed.data, apiKey };
}
