/** A cell of a suite: one model (any version), variant, device, framework and option set, followed night after night. */
import type { CellJobRow } from './suites.repository.js';

/** Object keys sorted at every level, so equal options give one key whatever order they were written in. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** The model's id and not the artifact's: a new version of the model is the same cell, which is the point. */
export function cellKey(j: Pick<CellJobRow, 'deviceId' | 'framework' | 'options'> & { artifact: { modelId: string; variant: string } }): string {
  return [j.artifact.modelId, j.artifact.variant, j.deviceId, j.framework, canonicalJson(j.options)].join('|');
}

/** The agent version and OS a result recorded in its environment (null where it did not say). */
export function recordedEnvironment(environment: unknown): { agentVersion: string | null; os: string | null } {
  const env = environment as { agentVersion?: string; os?: string; osRelease?: string };
  return { agentVersion: env.agentVersion ?? null, os: env.os ? `${env.os} ${env.osRelease ?? ''}`.trim() : null };
}
