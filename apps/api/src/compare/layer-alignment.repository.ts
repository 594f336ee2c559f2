/**
 * Stored layer alignments (layer_alignments): read per result, source artifact and aligner
 * version, written once per result with one INSERT ... SELECT FROM UNNEST. ON CONFLICT DO NOTHING, because two
 * concurrent comparisons may compute the same alignment; both computed the same rows.
 */
import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';
import { ALIGNER_VERSION, type LayerMatch, type MatchMethod } from './alignment/layer-alignment.js';

@Injectable()
export class LayerAlignmentRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** resultId -> its layers' matches (by idx), for the results that have them. */
  async find(sourceArtifactId: string, resultIds: readonly string[]): Promise<Map<string, LayerMatch[]>> {
    const rows = await this.prisma.layerAlignment.findMany({
      where: { sourceArtifactId, alignerVersion: ALIGNER_VERSION, resultId: { in: [...resultIds] } },
      orderBy: [{ resultId: 'asc' }, { idx: 'asc' }],
    });
    const out = new Map<string, LayerMatch[]>();
    for (const r of rows) {
      const list = out.get(r.resultId) ?? [];
      list.push({ idx: r.idx, sourceNodes: r.sourceNodes, confidence: r.confidence, method: r.method as MatchMethod });
      out.set(r.resultId, list);
    }
    return out;
  }

  async save(resultId: string, sourceArtifactId: string, matches: readonly LayerMatch[]): Promise<void> {
    if (matches.length === 0) return;
    // text[][] cannot hold ragged arrays, so each layer's node list travels as one JSON string.
    await this.prisma.$executeRaw`
      INSERT INTO layer_alignments (result_id, source_artifact_id, aligner_version, idx, source_nodes, method, confidence)
      SELECT ${resultId}::uuid, ${sourceArtifactId}::uuid, ${ALIGNER_VERSION}::int, t.idx,
             ARRAY(SELECT jsonb_array_elements_text(t.nodes::jsonb)), t.method, t.confidence
        FROM UNNEST(${matches.map((m) => m.idx)}::int[], ${matches.map((m) => JSON.stringify(m.sourceNodes))}::text[],
                    ${matches.map((m) => m.method)}::text[], ${matches.map((m) => m.confidence)}::float8[])
          AS t(idx, nodes, method, confidence)
      ON CONFLICT DO NOTHING`;
  }
}
