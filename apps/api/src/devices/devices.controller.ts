import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DevicesRepository } from './devices.repository.js';
import { deviceView } from './device-view.js';

@ApiTags('devices')
@Controller('devices')
export class DevicesController {
  constructor(
    private readonly devices: DevicesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Devices with status (online, busy, cooling, offline, unauthorized), capabilities (SoC, CPU, cores, RAM, OS, frameworks with versions), the emulated flag, and the latest temperature and battery',
  })
  async list() {
    return (await this.devices.list()).map((d) => deviceView(d, this.config.offlineAfterMs));
  }
}
