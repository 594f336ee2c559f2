/**
 * GET /compare/advice: gathers what the advisor's rules read (the source graph, every latest
 * result of the model with its stored alignment, rows per device, the frameworks each device
 * offers) and applies them.
 */
import { Injectable } from '@nestjs/common';
import type { AdviceResponse, ModelFormat } from '@farm/contracts';
import { DevicesRepository } from '../../devices/devices.repository.js';
import { frameworkLabel } from '../compare.service.js';
import { LayerCompareService } from '../layer-compare.service.js';
import { comparedRows } from '../layer-deltas.js';
import { advise, COSTLY_SHARE, FAR_SLOWER_FACTOR, LARGE_SHARE, type AdvisorDevice } from './advisor-rules.js';

@Injectable()
export class AdviceService {
  constructor(
    private readonly layers: LayerCompareService,
    private readonly devices: DevicesRepository,
  ) {}

  async advice(modelId: string, deviceId?: string): Promise<AdviceResponse> {
    const { model, graph, results } = await this.layers.aligned(modelId, deviceId ? { deviceId } : null);
    const byDevice = new Map<string, typeof results>();
    for (const x of results) byDevice.set(x.result.job.device.id, [...(byDevice.get(x.result.job.device.id) ?? []), x]);
    const rows = await this.devices.findMany([...byDevice.keys()]);
    const offered = new Map(rows.map((d) => [d.id, ((d.frameworks as { framework: string }[] | null) ?? []).map((f) => f.framework)]));
    const devices: AdvisorDevice[] = [...byDevice.entries()].map(([id, rs]) => ({
      deviceId: id,
      deviceName: rs[0]!.result.job.device.name,
      offered: offered.get(id) ?? [],
      cells: rs.map(({ result: r }) => ({
        jobId: r.jobId,
        deviceId: id,
        deviceName: r.job.device.name,
        framework: frameworkLabel(r.framework, r.job.artifact.variant),
        baseFramework: r.framework,
        variant: r.job.artifact.variant,
        medianMs: r.medianMs,
        latenciesMs: r.latenciesMs,
      })),
      rows: comparedRows(
        graph,
        rs.map((x) => x.column),
      ),
    }));
    const formats = [...new Set(model.artifacts.filter((a) => a.variant === 'original').map((a) => a.format as ModelFormat))];
    return {
      modelId: model.id,
      modelName: model.name,
      thresholds: { costlyShare: COSTLY_SHARE, largeShare: LARGE_SHARE, farSlowerFactor: FAR_SLOWER_FACTOR },
      items: advise({ modelId: model.id, graph, devices, formats }),
    };
  }
}
