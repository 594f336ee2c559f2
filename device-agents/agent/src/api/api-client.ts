/**
 * The agent's HTTP client for the API's /agent endpoints. It classifies failures: an API that
 * is down or answers 5xx is retryable; a 4xx is an answer (conflict, unknown job) the caller
 * must act on. It enrolls the agent with the bootstrap token on first use and then sends only
 * the agent's own credential.
 */
import type { AgentRegister, AgentRegistered, Heartbeat, JobFailure, JobProgress, JobStarted, ResultSubmission } from '@farm/contracts';
import { AgentCredentialSchema, AgentRegisteredSchema, type AgentEnroll } from '@farm/contracts';
import type { CredentialStore } from './credential-store.js';

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

export interface AgentIdentity {
  bootstrapToken: string | undefined;
  store: CredentialStore;
  /** What enrollment says about this agent. */
  enroll: AgentEnroll;
}

export class ApiClient {
  private credential: Promise<string> | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly identity: AgentIdentity,
    private readonly timeoutMs = 30_000,
  ) {}

  /** The stored credential, or a new one from enrollment; one enrollment however many calls wait on it. */
  private ensureCredential(): Promise<string> {
    this.credential ??= (async () => {
      const stored = this.identity.store.read();
      if (stored) return stored.credential;
      if (!this.identity.bootstrapToken) {
        throw new ApiError(401, 'AGENT_NOT_ENROLLED', `no credential in ${this.identity.store.path} and no AGENT_BOOTSTRAP_TOKEN to enroll with`);
      }
      const res = await this.send('POST', '/agent/enroll', this.identity.bootstrapToken, this.identity.enroll);
      const enrolled = AgentCredentialSchema.parse(await res.json());
      this.identity.store.write(enrolled);
      return enrolled.credential;
    })().catch((e: unknown) => {
      this.credential = null;
      throw e;
    });
    return this.credential;
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const credential = await this.ensureCredential();
    try {
      return await this.send(method, path, credential, body);
    } catch (e) {
      // Unknown (not revoked) means the API forgot the agent (a new database): enroll again, once.
      // A revoked credential stays refused; only an admin, or the bootstrap token in a fresh data dir, changes that.
      if (!(e instanceof ApiError) || e.code !== 'AGENT_UNAUTHORIZED' || !this.identity.bootstrapToken) throw e;
      this.identity.store.clear();
      this.credential = null;
      return this.send(method, path, await this.ensureCredential(), body);
    }
  }

  /** Replaces this agent's credential with a new one, stored before the old one is forgotten. */
  async rotateCredential(): Promise<void> {
    const rotated = AgentCredentialSchema.parse(await (await this.request('POST', '/agent/credential/rotate')).json());
    this.identity.store.write(rotated);
    this.credential = Promise.resolve(rotated.credential);
  }

  private async send(method: string, path: string, secret: string, body?: unknown): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${secret}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
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
