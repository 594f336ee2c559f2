/** Database access for devices. */
import { Injectable } from '@nestjs/common';
import type { PageQuery } from '@farm/contracts';
import { pageArgs } from '../common/page.js';
import { PrismaService } from '../prisma/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';

const deviceInclude = { agent: { select: { id: true, name: true, hostname: true, version: true } } } satisfies Prisma.DeviceInclude;
export type DeviceRow = Prisma.DeviceGetPayload<{ include: typeof deviceInclude }>;

@Injectable()
export class DevicesRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(where: Prisma.DeviceWhereInput = {}): Promise<DeviceRow[]> {
    return this.prisma.device.findMany({ where, include: deviceInclude, orderBy: [{ platform: 'asc' }, { name: 'asc' }] });
  }

  /** One page in registration order (the stable order of the cursor). */
  page(page: PageQuery): Promise<DeviceRow[]> {
    return this.prisma.device.findMany({ include: deviceInclude, ...pageArgs(page) });
  }

  findMany(ids: string[]): Promise<DeviceRow[]> {
    return this.list({ id: { in: ids } });
  }

  /** Devices whose agent has not sent a heartbeat since this time. */
  silentSince(before: Date): Promise<{ id: string; lastHeartbeatAt: Date }[]> {
    return this.prisma.device.findMany({ where: { lastHeartbeatAt: { lt: before } }, select: { id: true, lastHeartbeatAt: true } });
  }
}
