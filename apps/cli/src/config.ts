/**
 * CLI configuration: the API base URL, taken from --api or FARM_API_URL and validated once here.
 * Nothing else in the CLI reads process.env.
 */
import { z } from 'zod';

export const DEFAULT_API_URL = 'http://localhost:3000';

const ApiUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).transform((u) => u.replace(/\/+$/, ''));

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface CliConfig {
  apiUrl: string;
}

export function resolveConfig(flags: { api?: string }, env: NodeJS.ProcessEnv): CliConfig {
  const raw = flags.api ?? env.FARM_API_URL ?? DEFAULT_API_URL;
  const source = flags.api !== undefined ? '--api' : env.FARM_API_URL !== undefined ? 'FARM_API_URL' : 'default';
  const parsed = ApiUrlSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${source} "${raw}" ${parsed.error.issues[0]?.message ?? 'is not a valid URL'}`);
  return { apiUrl: parsed.data };
}
