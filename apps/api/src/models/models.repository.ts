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

  /** Creates the artifact, and the model too when no modelId is given, in one transaction. */
  async createArtifact(target: { modelId: string } | { modelName: string }, a: NewArtifact): Promise<ModelWithArtifacts> {
    return this.prisma.$transaction(async (tx) => {
      const modelId = 'modelId' in target ? target.modelId : (await tx.model.create({ data: { name: target.modelName } })).id;
      await tx.modelArtifact.create({
        data: {
          modelId,
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
    });
  }
}
