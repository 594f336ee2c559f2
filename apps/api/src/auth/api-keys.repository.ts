/** Database access for API keys. */
import { Injectable } from '@nestjs/common';
import type { PageQuery } from '@farm/contracts';
import { pageArgs } from '../common/page.js';
import type { ApiKeyScope } from '@farm/contracts';
import { PrismaService } from '../prisma/prisma.service.js';

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: { name: string; prefix: string; keyHash: string; scopes: ApiKeyScope[] }) {
    return this.prisma.apiKey.create({ data });
  }

  /** Creates the key when its hash is new; a key that exists keeps its row, revoked or not. */
  ensure(data: { name: string; prefix: string; keyHash: string; scopes: ApiKeyScope[] }) {
    return this.prisma.apiKey.upsert({ where: { keyHash: data.keyHash }, create: data, update: {} });
  }

  findActive(keyHash: string) {
    return this.prisma.apiKey.findFirst({ where: { keyHash, revokedAt: null } });
  }

  list(page: PageQuery) {
    return this.prisma.apiKey.findMany(pageArgs(page));
  }

  /** Returns the row as it is after the call, or null when there is no such key. */
  async revoke(id: string, now: Date) {
    await this.prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
    return this.prisma.apiKey.findUnique({ where: { id } });
  }
}
