/**
 * The agent's HTTP client for the API's /agent endpoints. It classifies failures: an API that
 * is down or answers 5xx is retryable; a 4xx is an answer (conflict, unknown job) the caller
 * must act on.
 */
import type { AgentRegister, AgentRegistered, Heartbeat, JobFailure, JobProgress, JobStarted, ResultSubmission } from '@farm/contracts';
import { AgentRegisteredSchema } from '@farm/contracts';

export class ApiError extends Error {
  constructor(
    readonly status: number | null,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** Network errors and 5xx may pass; 4xx will not change by retrying. */
  get retryable(): boolean {
    return this.status === null || this.status >= 500 || this.status === 429;
  }
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {}

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ApiError(null, 'API_UNREACHABLE', `API at ${this.baseUrl} unreachable: ${(e as Error).message}`);
    }
    if (!res.ok) {
      let code = `HTTP_${res.status}`;
      let message = res.statusText;
      try {
        const j = (await res.json()) as { error?: { code?: string; message?: string } };
        code = j.error?.code ?? code;
        message = j.error?.message ?? message;
      } catch {
        /* not JSON: keep the status text */
      }
      throw new ApiError(res.status, code, `${method} ${path}: ${res.status} ${code}: ${message}`);
    }
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  async register(reg: AgentRegister): Promise<AgentRegistered> {
    return AgentRegisteredSchema.parse(await this.json('POST', '/agent/register', reg));
  }
  heartbeat(hb: Heartbeat): Promise<unknown> {
    return this.json('POST', '/agent/heartbeat', hb);
  }
  jobStarted(s: JobStarted): Promise<unknown> {
    return this.json('POST', `/agent/jobs/${s.jobId}/started`, s);
  }
  jobProgress(jobId: string, p: JobProgress): Promise<unknown> {
    return this.json('POST', `/agent/jobs/${jobId}/progress`, p);
  }
  jobFailed(f: JobFailure): Promise<unknown> {
    return this.json('POST', `/agent/jobs/${f.jobId}/failure`, f);
  }
  submitResult(r: ResultSubmission): Promise<{ stored: boolean }> {
    return this.json('PUT', `/agent/jobs/${r.jobId}/result`, r);
  }
  async artifact(sha256: string): Promise<Response> {
    return this.request('GET', `/agent/artifacts/${sha256}`);
  }
}
