/** Database access for conversions (derived artifacts being made by the worker). */
import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';

export type ConversionRow = Prisma.ConversionGetPayload<object>;

export interface ConversionKey {
  modelId: string;
  sourceId: string;
  kind: 'int8_qdq';
  calibration: string;
}

@Injectable()
export class ConversionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  find(id: string): Promise<ConversionRow | null> {
    return this.prisma.conversion.findUnique({ where: { id } });
  }

  /** The row for this source, kind and calibration, created queued when there is none yet. */
  async findOrCreate(key: ConversionKey): Promise<ConversionRow> {
    return this.prisma.conversion.upsert({
      where: { sourceId_kind_calibration: { sourceId: key.sourceId, kind: key.kind, calibration: key.calibration } },
      create: key,
      update: {},
    });
  }

  /** Records a reused variant: nothing to make, the conversion is done. */
  markReused(id: string, artifactId: string, report: Prisma.InputJsonValue | undefined): Promise<ConversionRow> {
    return this.prisma.conversion.update({
      where: { id },
      data: { status: 'succeeded', artifactId, reused: true, report, errorCode: null, errorMessage: null, finishedAt: new Date() },
    });
  }

  /** Queues an ended conversion again under a new generation; null when it is queued or running already. */
  async requeue(id: string): Promise<ConversionRow | null> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE conversions
         SET status = 'queued', generation = generation + 1, attempts = 0, error_code = NULL, error_message = NULL,
             queued_at = now(), started_at = NULL, finished_at = NULL
       WHERE id = ${id}::uuid AND status IN ('succeeded', 'failed')
   RETURNING id`;
    return rows.length ? this.find(id) : null;
  }

  /**
   * Marks the conversion running for this generation unless it ended or was re-queued under a
   * newer one; returns the number of rows updated (0: do not run).
   */
  markStarted(id: string, generation: number): Promise<number> {
    return this.prisma.$executeRaw`
      UPDATE conversions SET status = 'running', attempts = attempts + 1, started_at = now()
       WHERE id = ${id}::uuid AND generation = ${generation} AND status IN ('queued', 'running')`;
  }

  async markSucceeded(id: string, generation: number, artifactId: string, reused: boolean, report: Prisma.InputJsonValue): Promise<void> {
    await this.prisma.conversion.updateMany({
      where: { id, generation },
      data: { status: 'succeeded', artifactId, reused, report, errorCode: null, errorMessage: null, finishedAt: new Date() },
    });
  }

  /** terminal: failed for good; otherwise back to queued with the reason, for the queue's retry. */
  async recordFailure(id: string, generation: number, code: string, message: string, terminal: boolean): Promise<void> {
    await this.prisma.conversion.updateMany({
      where: { id, generation, status: { in: ['queued', 'running'] } },
      data: terminal
        ? { status: 'failed', errorCode: code, errorMessage: message, finishedAt: new Date() }
        : { status: 'queued', errorCode: code, errorMessage: message },
    });
  }

  /** Conversions the queue should hold: the reconciler re-adds any it lost. */
  unfinished(limit: number): Promise<ConversionRow[]> {
    return this.prisma.conversion.findMany({ where: { status: { in: ['queued', 'running'] } }, take: limit, orderBy: { queuedAt: 'asc' } });
  }
}
