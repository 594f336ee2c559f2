/** Database access for models and their artifacts. */
import { Injectable } from '@nestjs/common';
import type { ModelInfo } from '@farm/model-inspect';
import type { PageQuery } from '@farm/contracts';
import { PrismaService } from '../prisma/prisma.service.js';
import { pageArgs } from '../common/page.js';
import type { ArtifactVariant, Prisma } from '../generated/prisma/client.js';

export interface NewArtifact {
  sha256: string;
  fileName: string;
  sizeBytes: number;
  storagePath: string;
  info: ModelInfo;
  /** An NCNN model's .bin, stored content-addressed beside the .param. */
  weights?: { sha256: string; sizeBytes: number };
  variant?: ArtifactVariant;
  derivedFromId?: string;
  metadata?: Record<string, unknown>;
  /** A derived variant keeps its source's version; unset: decided by the target (see createArtifact). */
  version?: number;
}

const withArtifacts = { artifacts: { orderBy: { createdAt: 'asc' } } } satisfies Prisma.ModelInclude;
export type ModelWithArtifacts = Prisma.ModelGetPayload<{ include: typeof withArtifacts }>;
export type ArtifactRow = ModelWithArtifacts['artifacts'][number];

@Injectable()
export class ModelsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findArtifactBySha(sha256: string) {
    return this.prisma.modelArtifact.findUnique({ where: { sha256 }, include: { model: { include: withArtifacts } } });
  }

  findArtifact(id: string) {
    return this.prisma.modelArtifact.findUnique({ where: { id } });
  }

  findModel(id: string): Promise<ModelWithArtifacts | null> {
    return this.prisma.model.findUnique({ where: { id }, include: withArtifacts });
  }

  /** Newest first: the model just uploaded is the one a user looks for. */
  listModels(page: PageQuery): Promise<ModelWithArtifacts[]> {
    return this.prisma.model.findMany({ include: withArtifacts, ...pageArgs(page, 'desc') });
  }

  findModelBySlug(slug: string): Promise<ModelWithArtifacts | null> {
    return this.prisma.model.findUnique({ where: { slug }, include: withArtifacts });
  }

  /**
   * Creates the artifact, and the model too when no modelId is given, in one transaction.
   * modelId: another file of the model's latest version (e.g. its TFLite export). slug: the next
   * version of the model with that slug, or version 1 of a new model. Two uploads racing to the
   * same new slug: the loser's unique violation fails its transaction.
   * storeFiles runs inside it, under a lock on the artifact's sha256 (and its weights'), so the
   * files are in place before any row naming them commits, and forgetUnstored (which takes the
   * same lock) can never remove a file a concurrent upload of the same bytes is committing.
   */
  async createArtifact(
    target: { modelId: string } | { slug: string; modelName: string } | { modelName: string },
    a: NewArtifact,
    storeFiles: () => Promise<unknown> = async () => undefined,
  ): Promise<ModelWithArtifacts> {
    return this.prisma.$transaction(
      async (tx) => {
        await lockShas(tx, [a.sha256, ...(a.weights ? [a.weights.sha256] : [])]);
        await storeFiles();
        let modelId: string;
        let version = 1;
        if ('modelId' in target) {
          modelId = target.modelId;
          version = (await tx.modelArtifact.aggregate({ where: { modelId }, _max: { version: true } }))._max.version ?? 1;
        } else if ('slug' in target) {
          const existing = await tx.model.findUnique({ where: { slug: target.slug } });
          if (existing) {
            modelId = existing.id;
            // Row lock on the model: two concurrent uploads to one slug get consecutive versions.
            await tx.$executeRaw`SELECT 1 FROM models WHERE id = ${modelId}::uuid FOR UPDATE`;
            version = ((await tx.modelArtifact.aggregate({ where: { modelId }, _max: { version: true } }))._max.version ?? 0) + 1;
          } else {
            modelId = (await tx.model.create({ data: { name: target.modelName, slug: target.slug } })).id;
          }
        } else {
          modelId = (await tx.model.create({ data: { name: target.modelName } })).id;
        }
        await tx.modelArtifact.create({
          data: {
            modelId,
            version: a.version ?? version,
            sha256: a.sha256,
            format: a.info.format,
            variant: a.variant ?? 'original',
            derivedFromId: a.derivedFromId,
            fileName: a.fileName,
            sizeBytes: a.sizeBytes,
            storagePath: a.storagePath,
            weightsSha256: a.weights?.sha256 ?? null,
            weightsSizeBytes: a.weights?.sizeBytes ?? null,
            inputs: a.info.inputs as unknown as Prisma.InputJsonValue,
            outputs: a.info.outputs as unknown as Prisma.InputJsonValue,
            opHistogram: a.info.opHistogram,
            nodeCount: a.info.nodeCount,
            parameterCount: BigInt(a.info.parameterCount),
            metadata: { ...(a.info.metadata as object), ...(a.metadata ?? {}) } as Prisma.InputJsonValue,
          },
        });
        return tx.model.findUniqueOrThrow({ where: { id: modelId }, include: withArtifacts });
        // Writing and fsyncing a large model happens inside: Prisma's 5 s default is too short for it.
      },
      { timeout: 120_000 },
    );
  }

  /**
   * After a failed createArtifact: removes each file no artifact row names (as its file or its
   * weights), under the same per-sha256 lock, so a file a concurrent upload committed stays.
   */
  async forgetUnstored(shas: string[], remove: (sha256: string) => Promise<void>): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await lockShas(tx, shas);
      for (const sha256 of shas) {
        const named = await tx.modelArtifact.count({ where: { OR: [{ sha256 }, { weightsSha256: sha256 }] } });
        if (named === 0) await remove(sha256);
      }
    });
  }
}

/** Transaction-scoped advisory locks, taken in sorted order so two callers cannot deadlock. */
async function lockShas(tx: Prisma.TransactionClient, shas: string[]): Promise<void> {
  for (const sha of [...new Set(shas)].sort()) await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${sha}, 0))::text`;
}
