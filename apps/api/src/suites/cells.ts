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

/** What is compared about a measurement when deciding whether its artifact can be re-run as it was. */
export interface PairingSide {
  artifact: { id: string; version: number };
  result: { frameworkVersion: string; environment: unknown };
}

/**
 * Whether a suspicion can be confirmed by a paired A/B re-run: only when the artifact is all that
 * changed since the baseline. A re-run of the baseline's artifact runs on the framework, agent and
 * OS the device has tonight; if one of them changed, the old one is not there to run, and an A/B
 * would measure only part of the change. With the same artifact, A/B would be A/A and could not see
 * what moved. Both cases fall back to a re-run of tonight's artifact against the baseline nights.
 */
export function pairing(baseline: PairingSide, tonight: PairingSide): { paired: true } | { paired: false; because: string } {
  if (baseline.artifact.id === tonight.artifact.id)
    return { paired: false, because: 'the artifact is the one the baseline ran, so there is no earlier artifact to pair it with' };
  const was = recordedEnvironment(baseline.result.environment);
  const now = recordedEnvironment(tonight.result.environment);
  const changed = [
    baseline.result.frameworkVersion !== tonight.result.frameworkVersion
      ? `framework ${baseline.result.frameworkVersion} -> ${tonight.result.frameworkVersion}`
      : null,
    was.agentVersion !== now.agentVersion ? `agent ${was.agentVersion ?? 'unknown'} -> ${now.agentVersion ?? 'unknown'}` : null,
    was.os !== now.os ? `OS ${was.os ?? 'unknown'} -> ${now.os ?? 'unknown'}` : null,
  ].filter((x): x is string => x !== null);
  if (changed.length)
    return {
      paired: false,
      because: `besides the model version (${baseline.artifact.version} -> ${tonight.artifact.version}), ${changed.join(', ')} changed; the baseline's setup is no longer installed to re-run`,
    };
  return { paired: true };
}
