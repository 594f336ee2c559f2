/** Nightly suites from the command line: `farm suites create|list|run` and `farm regressions`. */
import { readFile } from 'node:fs/promises';
import { CreateSuiteRequestSchema, type RegressionState, type SETTABLE_REGRESSION_STATES } from '@farm/contracts';
import { ApiError, type ApiClient, type RegressionView } from '../api-client.js';

/** `farm suites create <file.json>`: the file holds a CreateSuiteRequest, checked here with the API's own schema first. */
export async function createSuite(api: ApiClient, file: string, json: boolean, out: (line: string) => void): Promise<number> {
  const req = CreateSuiteRequestSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  const s = await api.createSuite(req);
  out(
    json
      ? JSON.stringify(s, null, 2)
      : `suite ${s.id} "${s.name}" created${s.schedule ? ` (cron "${s.schedule.cron}" ${s.schedule.timezone})` : ' (run on demand)'}`,
  );
  return 0;
}

export async function listSuites(api: ApiClient, json: boolean, out: (line: string) => void): Promise<number> {
  const list = await api.listSuites();
  if (json) out(JSON.stringify(list, null, 2));
  else
    for (const s of list)
      out(
        `${s.id}  ${s.name}  ${s.schedule ? `${s.schedule.cron} (${s.schedule.timezone})` : 'on demand'}  last night: ${s.lastNight ? `${s.lastNight.nightKey} ${s.lastNight.status}` : 'none'}`,
      );
  return 0;
}

/** `farm suites run <id|name>`: starts a night now; its evaluation follows when its runs end. */
export async function runSuite(api: ApiClient, idOrName: string, json: boolean, out: (line: string) => void): Promise<number> {
  const suites = await api.listSuites();
  const suite = suites.find((s) => s.id === idOrName || s.name === idOrName);
  if (!suite) throw new ApiError('SUITE_NOT_FOUND', `no suite "${idOrName}"; see farm suites list`);
  const night = await api.runSuite(suite.id);
  out(
    json
      ? JSON.stringify(night, null, 2)
      : `night ${night.id} (${night.nightKey}) started: ${night.runIds.length} run(s); see farm regressions when it is evaluated`,
  );
  return 0;
}

export function formatRegression(r: RegressionView): string[] {
  const pct = (x: number) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)}%`;
  const lines = [
    `${r.id}  ${r.state.toUpperCase()}  ${r.direction}  ${r.suiteName} / ${r.nightKey}  ${r.framework} on ${r.deviceName}`,
    `  median ${r.detection.baselineMedianMs.toFixed(3)} -> ${r.detection.tonightMedianMs.toFixed(3)} ms (${pct(r.detection.ratio)}; re-run ${r.confirmation ? pct(r.confirmation.ratio) : 'pending'})`,
  ];
  if (r.likelyCause) lines.push(`  likely cause: ${r.likelyCause}`);
  for (const l of r.attribution?.summary.slice(0, 5) ?? []) lines.push(`    ${l}`);
  return lines;
}

/** `farm regressions [--state S]`: open ones by default. */
export async function regressions(
  api: ApiClient,
  opts: { state?: RegressionState; suite?: string; json: boolean },
  out: (line: string) => void,
): Promise<number> {
  const list = await api.listRegressions({ state: opts.state ?? 'open', suiteId: opts.suite });
  if (opts.json) out(JSON.stringify(list, null, 2));
  else if (!list.length) out(`no ${opts.state ?? 'open'} regressions`);
  else for (const r of list) for (const l of formatRegression(r)) out(l);
  return 0;
}

export async function setRegressionState(
  api: ApiClient,
  id: string,
  state: (typeof SETTABLE_REGRESSION_STATES)[number],
  out: (line: string) => void,
): Promise<number> {
  const r = await api.setRegressionState(id, state);
  out(`regression ${r.id} is ${r.state}`);
  return 0;
}
