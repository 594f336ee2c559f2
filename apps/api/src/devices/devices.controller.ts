import { Controller, Get, Inject, Query } from '@nestjs/common';
import { PageQuerySchema, type DeviceView, type Page, type PageQuery } from '@farm/contracts';
import { zodPipe } from '../common/zod-body.pipe.js';
import { toPage } from '../common/page.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DevicesRepository } from './devices.repository.js';
import { deviceView } from './device-view.js';
import { RouteContract } from '../contract/route-contract.js';
import { DevicesContract } from './devices.contract.js';

@Controller('devices')
export class DevicesController {
  constructor(
    private readonly devices: DevicesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @RouteContract(DevicesContract.list)
  async list(@Query(zodPipe(PageQuerySchema)) page: PageQuery): Promise<Page<DeviceView>> {
    return toPage(await this.devices.page(page), page, (d) => deviceView(d, this.config.offlineAfterMs));
  }
}
