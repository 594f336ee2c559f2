/**
 * Typed HTTP client of the farm API. Every response is validated, and every failure surfaces as
 * an ApiError with the API's error code (or a client-side code when the API could not be reached).
 */
import {
  AdviceResponseSchema,
  ApiKeyViewSchema,
  CompareResponseSchema,
  CreatedApiKeySchema,
  DeviceViewSchema,
  LayerCompareResponseSchema,
  RegressionViewSchema,
  SuiteNightViewSchema,
  SuiteViewSchema,
  type AdviceResponse,
  type CreateSuiteRequestInput,
  type RegressionState,
  type RegressionView,
  type SuiteNightView,
  type SuiteView,
  type ApiKeyView,
  type BenchmarkRequestInput,
  type CompareResponse,
  type CreateApiKey,
  type CreatedApiKey,
  type DeviceView,
  type LayerCompareResponse,
} from '@farm/contracts';
import { z } from 'zod';
import {
  CreateRunResponseSchema,
  ErrorBodySchema,
  ModelSchema,
  RunStatusSchema,
  UploadResponseSchema,
  type CreateRunResponse,
  type Model,
  type RunStatus,
  type UploadResponse,
} from './api-schemas.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {}

  createKey(req: CreateApiKey): Promise<CreatedApiKey> {
    return this.request('POST', '/keys', CreatedApiKeySchema, req);
  }

  listKeys(): Promise<ApiKeyView[]> {
    return this.request('GET', '/keys', z.array(ApiKeyViewSchema));
  }

  createSuite(req: CreateSuiteRequestInput): Promise<SuiteView> {
    return this.request('POST', '/suites', SuiteViewSchema, req);
  }

  listSuites(): Promise<SuiteView[]> {
    return this.request('GET', '/suites', z.array(SuiteViewSchema));
  }

  runSuite(id: string): Promise<SuiteNightView> {
    return this.request('POST', `/suites/${encodeURIComponent(id)}/run`, SuiteNightViewSchema);
  }

  listRegressions(filter: { state?: RegressionState; suiteId?: string }): Promise<RegressionView[]> {
    const q = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    return this.request('GET', `/regressions${q ? `?${q}` : ''}`, z.array(RegressionViewSchema));
  }

  setRegressionState(id: string, state: RegressionState): Promise<RegressionView> {
    return this.request('PATCH', `/regressions/${encodeURIComponent(id)}`, RegressionViewSchema, { state });
  }

  revokeKey(id: string): Promise<ApiKeyView> {
    return this.request('DELETE', `/keys/${encodeURIComponent(id)}`, ApiKeyViewSchema);
  }

  listModels(): Promise<Model[]> {
    return this.request('GET', '/models', z.array(ModelSchema));
  }

  listDevices(): Promise<DeviceView[]> {
    return this.request('GET', '/devices', z.array(DeviceViewSchema));
  }

  compare(modelId: string): Promise<CompareResponse> {
    return this.request('GET', `/compare?modelId=${encodeURIComponent(modelId)}`, CompareResponseSchema);
  }

  /** Exactly one of deviceId (every framework there) or framework (that framework on every device). */
  layers(modelId: string, scope: { deviceId: string } | { framework: string }): Promise<LayerCompareResponse> {
    const q = 'deviceId' in scope ? `deviceId=${encodeURIComponent(scope.deviceId)}` : `framework=${encodeURIComponent(scope.framework)}`;
    return this.request('GET', `/compare/layers?modelId=${encodeURIComponent(modelId)}&${q}`, LayerCompareResponseSchema);
  }

  advice(modelId: string, deviceId?: string): Promise<AdviceResponse> {
    const q = deviceId ? `&deviceId=${encodeURIComponent(deviceId)}` : '';
    return this.request('GET', `/compare/advice?modelId=${encodeURIComponent(modelId)}${q}`, AdviceResponseSchema);
  }

  layersViewUrl(modelId: string, deviceId: string): string {
    return `${this.dashboardUrl(modelId)}&deviceId=${encodeURIComponent(deviceId)}#layers-section`;
  }

  uploadModel(file: { bytes: Uint8Array; fileName: string }, fields: { name?: string; modelId?: string }): Promise<UploadResponse> {
    const form = new FormData();
    form.set('file', new Blob([file.bytes]), file.fileName);
    if (fields.name !== undefined) form.set('name', fields.name);
    if (fields.modelId !== undefined) form.set('modelId', fields.modelId);
    return this.request('POST', '/models', UploadResponseSchema, form);
  }

  createBenchmark(req: BenchmarkRequestInput): Promise<CreateRunResponse> {
    return this.request('POST', '/benchmarks', CreateRunResponseSchema, req);
  }

  benchmarkStatus(runId: string): Promise<RunStatus> {
    return this.request('GET', `/benchmarks/${encodeURIComponent(runId)}`, RunStatusSchema);
  }

  dashboardUrl(modelId: string): string {
    return `${this.baseUrl}/?modelId=${encodeURIComponent(modelId)}`;
  }

  /** What to do about a refused key, in CLI terms. */
  private hint(code: string, message: string): string {
    if (code === 'API_KEY_REQUIRED' && !this.apiKey) return `${message}; set FARM_API_KEY (an admin creates keys with \`farm keys create\`)`;
    return message;
  }

  private async request<T>(method: string, path: string, schema: z.ZodType<T>, body?: FormData | object): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    const init: RequestInit = { method, headers: { accept: 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}) } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { ...init.headers, 'content-type': 'application/json' };
    }
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(
        'API_UNREACHABLE',
        `cannot reach ${this.baseUrl} (${cause?.code ?? cause?.message ?? (e as Error).message}); is the API running? set --api or FARM_API_URL`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError('BAD_RESPONSE', `${method} ${path} answered ${res.status} with a body that is not JSON`, res.status);
    }
    if (!res.ok) {
      const err = ErrorBodySchema.safeParse(json);
      if (err.success) throw new ApiError(err.data.error.code, this.hint(err.data.error.code, err.data.error.message), res.status);
      throw new ApiError(`HTTP_${res.status}`, `${method} ${path} failed with status ${res.status}`, res.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(
        'BAD_RESPONSE',
        `${method} ${path}: unexpected response (${issue?.path.join('.') || '(root)'}: ${issue?.message}); is ${this.baseUrl} a farm API of this version?`,
      );
    }
    return parsed.data;
  }
}
