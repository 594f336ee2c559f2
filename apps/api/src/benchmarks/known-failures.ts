/** Cells known to fail, from each artifact's verdicts (see withoutKnownFailures). */
import { DomainError, type Framework, type FrameworkVerdict, type SkippedCell } from '@farm/contracts';
import { artifactVerdicts } from '../models/model-view.js';
import type { ArtifactRow } from '../models/models.repository.js';

/**
 * The cells not known to fail. A cell whose artifact's verdict for its framework is not_runnable
 * (an op the engine lacks) is refused, naming the op and the engine, when the request named that
 * framework; a framework chosen implicitly (every one the devices have) leaves it out, and the answer
 * lists it (skippedCells) with the reason. Refused or left out, nothing is stored for it.
 */
export function withoutKnownFailures<C extends { artifactId: string; framework: Framework }>(
  cells: C[],
  artifacts: Pick<ArtifactRow, 'id' | 'fileName' | 'format' | 'opHistogram' | 'metadata' | 'inputs'>[],
  explicit: readonly Framework[] | undefined,
): { kept: C[]; skipped: SkippedCell[] } {
  const skipped = new Map<string, SkippedCell>();
  const byId = new Map(artifacts.map((a) => [a.id, a]));
  const verdicts = new Map<string, FrameworkVerdict | undefined>();
  const kept = cells.filter((c) => {
    const artifact = byId.get(c.artifactId);
    if (!artifact) return true; // stand-ins for variants still to be made have no verdict yet
    const key = `${c.artifactId}/${c.framework}`;
    if (!verdicts.has(key))
      verdicts.set(
        key,
        artifactVerdicts(artifact).find((x) => x.framework === c.framework),
      );
    const v = verdicts.get(key);
    if (v?.verdict !== 'not_runnable') return true;
    const why = v.reasons.map((r) => r.why).join('; ');
    if (!explicit?.includes(c.framework)) {
      skipped.set(key, { artifactId: artifact.id, framework: c.framework, why });
      return false;
    }
    throw new DomainError(
      'FRAMEWORK_CANNOT_RUN',
      `${c.framework} cannot run ${artifact.fileName} (${v.basis}): ${why}. Leave ${c.framework} out, or set "tryAnyway": true to queue it regardless`,
      { artifactId: artifact.id, framework: c.framework, ops: v.reasons.flatMap((r) => (r.op ? [r.op] : [])), reasons: v.reasons },
    );
  });
  if (kept.length === 0 && cells.length > 0) {
    throw new DomainError(
      'FRAMEWORK_CANNOT_RUN',
      'every framework the chosen devices have is known to fail on these artifacts: see the verdicts in GET /models/:id, or set "tryAnyway": true',
    );
  }
  return { kept, skipped: [...skipped.values()] };
}
