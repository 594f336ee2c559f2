/** Reading regressions and moving them through their states (the API), and building the view an alert carries (the worker). */
import { Injectable } from '@nestjs/common';
import { DomainError, type ListRegressionsQuery, type Page, type RegressionState, type RegressionView } from '@farm/contracts';
import { SuitesRepository, type RegressionRow } from './suites.repository.js';
import { regressionView } from './suite-views.js';
import { toPage } from '../common/page.js';

@Injectable()
export class RegressionsService {
  constructor(private readonly suites: SuitesRepository) {}

  private async views(rows: RegressionRow[]): Promise<RegressionView[]> {
    const names = new Map((await this.suites.deviceNames([...new Set(rows.map((r) => r.deviceId))])).map((d) => [d.id, d.name]));
    return rows.map((r) => regressionView(r, names.get(r.deviceId) ?? r.deviceId));
  }

  /** One page, newest first; the cursor is the last row's (createdAt, id), so new regressions never shift pages already read. */
  async list(q: ListRegressionsQuery): Promise<Page<RegressionView>> {
    const rows = await this.suites.pageRegressions({ state: q.state, suiteId: q.suiteId }, q);
    const views = new Map((await this.views(rows)).map((v) => [v.id, v]));
    return toPage(rows, q, (r) => views.get(r.id)!);
  }

  async get(id: string): Promise<RegressionView> {
    const r = await this.suites.findRegression(id);
    if (!r) throw new DomainError('REGRESSION_NOT_FOUND', `no regression with id "${id}"; list them with GET /regressions`);
    return (await this.views([r]))[0]!;
  }

  /** A person's verdict: acknowledged, resolved, false alarm, or open again. A suspicion is the detector's to settle. */
  async setState(id: string, state: Exclude<RegressionState, 'suspected'>): Promise<RegressionView> {
    const r = await this.get(id);
    if (r.state === 'suspected')
      throw new DomainError('JOB_STATE_CONFLICT', `regression ${id} is still waiting for its confirmation re-run; its state is set by that run`);
    await this.suites.setRegressionState(id, state);
    return this.get(id);
  }
}
