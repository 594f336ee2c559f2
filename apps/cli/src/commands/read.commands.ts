/** Read-only commands: `farm compare`, `farm layers`, `farm devices`, `farm models`. */
import type { ApiClient } from '../api-client.js';
import { formatCompareTable, formatDevicesTable, formatModelsTable } from '../table-format.js';
import { formatAdvice, formatLayersTable } from '../layers-format.js';

export async function compare(api: ApiClient, modelId: string, json: boolean, out: (line: string) => void): Promise<number> {
  const cmp = await api.compare(modelId);
  if (json) out(JSON.stringify(cmp, null, 2));
  else {
    out(formatCompareTable(cmp));
    out(`dashboard: ${api.dashboardUrl(modelId)}`);
  }
  return 0;
}

export async function devices(api: ApiClient, json: boolean, out: (line: string) => void): Promise<number> {
  const list = await api.listDevices();
  out(json ? JSON.stringify(list, null, 2) : formatDevicesTable(list));
  return 0;
}

export async function models(api: ApiClient, json: boolean, out: (line: string) => void): Promise<number> {
  const list = await api.listModels();
  out(json ? JSON.stringify(list, null, 2) : formatModelsTable(list));
  return 0;
}

/** `farm layers`: the aligned layer table of a model on a device (or one framework across devices), then the advice. */
export async function layers(
  api: ApiClient,
  modelId: string,
  opts: { device?: string; framework?: string; top?: number; json: boolean },
  out: (line: string) => void,
): Promise<number> {
  const scope = opts.device ? { deviceId: opts.device } : { framework: opts.framework! };
  const [view, advice] = await Promise.all([api.layers(modelId, scope), api.advice(modelId, opts.device)]);
  if (opts.json) out(JSON.stringify({ layers: view, advice }, null, 2));
  else {
    out(formatLayersTable(view, { top: opts.top }));
    out('');
    out(formatAdvice(advice));
    if (opts.device) out(`view: ${api.layersViewUrl(modelId, opts.device)}`);
  }
  return 0;
}
