/** Database access for agents, their credentials and their devices. */
import { Injectable } from '@nestjs/common';
import type { PageQuery } from '@farm/contracts';
import { pageArgs } from '../common/page.js';
import { isTargetableStatus, type AgentRegister, type DeviceStatus, type Heartbeat } from '@farm/contracts';
import { PrismaService } from '../prisma/prisma.service.js';
import { Prisma } from '../generated/prisma/client.js';
import { heartbeatStatus, registeredStatus, unreachablePlatform } from './device-status-rules.js';

@Injectable()
export class AgentsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findCredential(tokenHash: string) {
    return this.prisma.agentCredential.findUnique({ where: { tokenHash }, select: { agentId: true, revokedAt: true } });
  }

  /** A new agent and its first credential: enrollment never reuses an agent, whatever name it gives. */
  enroll(a: { name: string; hostname: string; version: string }, tokenHash: string, now: Date) {
    return this.prisma.agent.create({ data: { ...a, lastHeartbeatAt: now, credentials: { create: { tokenHash } } } });
  }

  /** Revokes the agent's live credentials and adds one; false when there is no such agent. */
  async rotateCredential(agentId: string, tokenHash: string, now: Date): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      if (!(await tx.agent.findUnique({ where: { id: agentId }, select: { id: true } }))) return false;
      await tx.agentCredential.updateMany({ where: { agentId, revokedAt: null }, data: { revokedAt: now } });
      await tx.agentCredential.create({ data: { agentId, tokenHash } });
      return true;
    });
  }

  /** Revokes every live credential of the agent and takes its devices offline; false when there is no such agent. */
  async revokeCredentials(agentId: string, now: Date): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      if (!(await tx.agent.findUnique({ where: { id: agentId }, select: { id: true } }))) return false;
      await tx.agentCredential.updateMany({ where: { agentId, revokedAt: null }, data: { revokedAt: now } });
      await tx.device.updateMany({ where: { agentId }, data: { status: 'offline' } });
      return true;
    });
  }

  listAgents(page: PageQuery) {
    return this.prisma.agent.findMany({
      ...pageArgs(page),
      include: { devices: { select: { id: true, serial: true, status: true } }, credentials: { select: { createdAt: true, revokedAt: true } } },
    });
  }

  /**
   * Updates the caller's agent and upserts every device it lists; idempotent, sent again whenever a device comes,
   * goes or changes state. Described devices are stored whole; unreachable ones (unauthorized,
   * offline) get a row of their own, or keep their description, with only their status changed;
   * devices in neither list go offline. Rows keep their ids, so their queues and queued jobs stay.
   */
  register(agentId: string, reg: AgentRegister, now: Date) {
    return this.prisma.$transaction(async (tx) => {
      // The agent is the credential's; the name in the body only relabels it, so no agent can take over another's devices by name.
      const agent = await tx.agent.update({
        where: { id: agentId },
        data: { name: reg.name, hostname: reg.hostname, version: reg.version, lastHeartbeatAt: now },
      });
      const current = new Map(
        (await tx.device.findMany({ where: { agentId: agent.id }, select: { serial: true, status: true } })).map((d) => [d.serial, d.status]),
      );
      const devices = [];
      for (const d of reg.devices) {
        const data = {
          name: d.name,
          platform: d.platform,
          transport: d.transport,
          cpuModel: d.cpuModel,
          soc: d.soc,
          cores: d.cores,
          ramBytes: d.ramBytes === null ? null : BigInt(d.ramBytes),
          osVersion: d.osVersion,
          abi: d.abi,
          coreMaxFreqMhz: d.coreMaxFreqMHz ?? Prisma.DbNull,
          emulated: d.emulated ?? false,
          frameworks: d.frameworks as unknown as Prisma.InputJsonValue,
          status: registeredStatus(current.get(d.serial)),
          lastHeartbeatAt: now,
        };
        devices.push(
          await tx.device.upsert({
            where: { agentId_serial: { agentId: agent.id, serial: d.serial } },
            create: { agentId: agent.id, serial: d.serial, ...data },
            update: data,
          }),
        );
      }
      const described = new Set(reg.devices.map((d) => d.serial));
      const unreachable = reg.unreachable.filter((u) => !described.has(u.serial));
      for (const u of unreachable) {
        await tx.device.upsert({
          where: { agentId_serial: { agentId: agent.id, serial: u.serial } },
          create: {
            agentId: agent.id,
            serial: u.serial,
            name: u.serial,
            platform: unreachablePlatform(u.transport),
            transport: u.transport,
            frameworks: [],
            status: u.connection,
            lastHeartbeatAt: now,
          },
          // Never the description: a phone that was read once keeps what was read.
          update: { status: u.connection, lastHeartbeatAt: now },
        });
      }
      const listed = [...described, ...unreachable.map((u) => u.serial)];
      await tx.device.updateMany({ where: { agentId: agent.id, serial: { notIn: listed } }, data: { status: 'offline' } });
      return { agent, devices };
    });
  }

  findAgent(id: string) {
    return this.prisma.agent.findUnique({ where: { id }, include: { devices: true } });
  }

  /**
   * Refreshes the agent's devices: status by the rules of heartbeatStatus (an offline or
   * unauthorized device keeps its status) and the latest snapshot of each device the agent listed.
   */
  async heartbeat(agentId: string, hb: Pick<Heartbeat, 'busyDeviceIds' | 'devices'>, now: Date): Promise<void> {
    const busy = new Set(hb.busyDeviceIds);
    const live = new Map(hb.devices.map((d) => [d.deviceId, d]));
    await this.prisma.$transaction(async (tx) => {
      await tx.agent.update({ where: { id: agentId }, data: { lastHeartbeatAt: now } });
      const rows = await tx.device.findMany({ where: { agentId, status: { not: 'offline' } }, select: { id: true, status: true } });
      const byStatus = new Map<DeviceStatus, string[]>();
      for (const r of rows) {
        const s = heartbeatStatus(r.status, { busy: busy.has(r.id), cooling: live.get(r.id)?.cooling ?? false });
        byStatus.set(s, [...(byStatus.get(s) ?? []), r.id]);
      }
      for (const [status, ids] of byStatus) await tx.device.updateMany({ where: { id: { in: ids } }, data: { status, lastHeartbeatAt: now } });
      for (const r of rows) {
        const snapshot = live.get(r.id)?.snapshot;
        if (!snapshot || !isTargetableStatus(r.status)) continue;
        await tx.device.update({
          where: { id: r.id },
          data: { lastSnapshot: snapshot as unknown as Prisma.InputJsonValue, lastSnapshotAt: new Date(snapshot.takenAt) },
        });
      }
    });
  }
}
