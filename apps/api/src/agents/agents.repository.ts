/** Database access for agent tokens, agents and their devices. */
import { Injectable } from '@nestjs/common';
import type { AgentRegister } from '@farm/contracts';
import { PrismaService } from '../prisma/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';

@Injectable()
export class AgentsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findActiveToken(tokenHash: string) {
    return this.prisma.agentToken.findFirst({ where: { tokenHash, revokedAt: null } });
  }

  async ensureToken(name: string, tokenHash: string): Promise<void> {
    await this.prisma.agentToken.upsert({ where: { tokenHash }, create: { name, tokenHash }, update: {} });
  }

  /** Upserts the agent and its devices; devices it no longer reports go offline (their history stays). */
  register(tokenId: string, reg: AgentRegister, now: Date) {
    return this.prisma.$transaction(async (tx) => {
      const agent = await tx.agent.upsert({
        where: { tokenId_name: { tokenId, name: reg.name } },
        create: { tokenId, name: reg.name, hostname: reg.hostname, version: reg.version, lastHeartbeatAt: now },
        update: { hostname: reg.hostname, version: reg.version, lastHeartbeatAt: now },
      });
      const devices = [];
      for (const d of reg.devices) {
        const data = {
          name: d.name,
          platform: d.platform,
          transport: d.transport,
          cpuModel: d.cpuModel,
          soc: d.soc,
          cores: d.cores,
          ramBytes: BigInt(d.ramBytes),
          osVersion: d.osVersion,
          abi: d.abi,
          frameworks: d.frameworks as unknown as Prisma.InputJsonValue,
          status: 'online' as const,
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
      await tx.device.updateMany({ where: { agentId: agent.id, serial: { notIn: reg.devices.map((d) => d.serial) } }, data: { status: 'offline' } });
      return { agent, devices };
    });
  }

  findAgent(id: string) {
    return this.prisma.agent.findUnique({ where: { id }, include: { devices: true } });
  }

  async heartbeat(agentId: string, busyDeviceIds: string[], now: Date): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.agent.update({ where: { id: agentId }, data: { lastHeartbeatAt: now } }),
      this.prisma.device.updateMany({ where: { agentId, status: { not: 'offline' } }, data: { lastHeartbeatAt: now, status: 'online' } }),
      this.prisma.device.updateMany({ where: { agentId, id: { in: busyDeviceIds }, status: { not: 'offline' } }, data: { status: 'busy' } }),
    ]);
  }
}
