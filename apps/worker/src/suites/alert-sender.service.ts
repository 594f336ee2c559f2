/**
 * Posts a confirmed regression to a webhook: outbound only, one POST with a timeout; a non-2xx
 * answer or a network error is thrown so the suites queue retries it (ALERT_ATTEMPTS, exponential
 * backoff). Two bodies: the generic JSON alert (RegressionAlertSchema) and a Slack-compatible one
 * ({ text, blocks }). The receiver's answer is never read beyond its status.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RegressionAlert, RegressionView } from '@farm/contracts';
import { APP_CONFIG, type AppConfig } from '@farm/api/config/app-config';
import { RegressionsService } from '@farm/api/suites/regressions.service';
import { SuitesRepository } from '@farm/api/suites/suites.repository';

/** A ratio as a signed change: "+12.3%", "-4.0%". */
function signedPct(ratio: number): string {
  const pct = ((ratio - 1) * 100).toFixed(1);
  return pct.startsWith('-') ? `${pct}%` : `+${pct}%`;
}

export function alertText(r: RegressionView): string {
  const how = r.confirmation?.method === 'paired' ? 'paired A/B re-run against the baseline version' : 're-run';
  const conf = r.confirmation ? ` (${how}: ${signedPct(r.confirmation.ratio)})` : '';
  return `${r.direction === 'slower' ? 'Regression' : 'Improvement'} in suite "${r.suiteName}" night ${r.nightKey}: ${r.framework} on ${r.deviceName} ${signedPct(r.detection.ratio)} median${conf}. Likely cause: ${r.likelyCause ?? 'unknown'}.`;
}

export function slackBody(r: RegressionView): { text: string; blocks: unknown[] } {
  const text = alertText(r);
  const lines = r.attribution?.summary.slice(0, 5) ?? [];
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      ...(lines.length ? [{ type: 'section', text: { type: 'mrkdwn', text: lines.map((l) => `• ${l}`).join('\n') } }] : []),
    ],
  };
}

@Injectable()
export class AlertSender {
  private readonly logger = new Logger(AlertSender.name);

  constructor(
    private readonly regressions: RegressionsService,
    private readonly suites: SuitesRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async send(regressionId: string, url: string, format: 'json' | 'slack'): Promise<{ status: number }> {
    const r = await this.regressions.get(regressionId);
    const body: RegressionAlert | ReturnType<typeof slackBody> =
      format === 'slack' ? slackBody(r) : { kind: 'farm.regression', regression: r, text: alertText(r) };
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'nn-bench-farm-alerts' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(this.config.alerts.timeoutMs),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`webhook ${new URL(url).host} answered ${res.status}`);
    await this.suites.markAlerted(regressionId);
    this.logger.log(`regression ${regressionId} posted to ${new URL(url).host} (${format})`);
    return { status: res.status };
  }
}
