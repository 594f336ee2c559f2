/** Route contracts of devices (see contract/route-contract.ts). */
import { DevicePageSchema, PageQuerySchema } from '@farm/contracts';
import { defineRoute } from '../contract/route-contract.js';

export const DevicesContract = {
  list: defineRoute({
    method: 'get',
    path: '/devices',
    operationId: 'listDevices',
    summary:
      'Devices with status (online, busy, cooling, offline, unauthorized), capabilities (SoC, CPU, cores, RAM, OS, frameworks with versions), the emulated flag, and the latest temperature and battery; oldest first, one page at a time',
    tag: 'devices',
    access: 'read',
    query: PageQuerySchema,
    responses: { 200: { description: 'a page of devices', schema: DevicePageSchema } },
    errors: [],
  }),
};
