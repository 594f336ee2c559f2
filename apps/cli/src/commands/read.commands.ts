/** Read-only commands: `farm compare`, `farm devices`, `farm models`. */
import type { ApiClient } from '../api-client.js';
import { formatCompareTable, formatDevicesTable, formatModelsTable } from '../table-format.js';

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
