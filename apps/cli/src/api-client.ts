/**
 * The CLI's calls to the farm API, through the typed client generated from the API's OpenAPI
 * document (@farm/api-client). Every failure surfaces as an ApiError with the API's error code, or a
 * client-side code when the API could not be reached or did not answer as a farm API.
 */
import { createFarmClient, FarmApiError, listAll, unwrap, uploadModel, type FarmClient, type Schemas } from '@farm/api-client';
import type { BenchmarkRequestInput, CreateApiKey, CreateSuiteRequestInput, RegressionState, SETTABLE_REGRESSION_STATES } from '@farm/contracts';

export { FarmApiError as ApiError } from '@farm/api-client';

export type Model = Schemas['Model'];
export type RunStatus = Schemas['RunStatus'];
export type RunJob = Schemas['RunJob'];
export type UploadResponse = Schemas['UploadResponse'];
export type DeviceView = Schemas['Device'];
export type CompareResponse = Schemas['CompareResponse'];
export type CompareCell = Schemas['CompareCell'];
export type LayerCompareResponse = Schemas['LayerCompareResponse'];
export type AdviceResponse = Schemas['AdviceResponse'];
export type SuiteView = Schemas['Suite'];
export type SuiteNightView = Schemas['SuiteNight'];
export type RegressionView = Schemas['Regression'];

export class ApiClient {
  private readonly client: FarmClient;

  constructor(
    readonly baseUrl: string,
    private readonly apiKey?: string,
  ) {
    this.client = createFarmClient(baseUrl, { apiKey, headers: { accept: 'application/json' } });
  }

  createKey(req: CreateApiKey) {
    return this.call(this.client.POST('/keys', { body: req }));
  }

  listKeys() {
    return this.all((cursor) => this.client.GET('/keys', { params: { query: { limit: 1000, cursor } } }));
  }

  createSuite(req: CreateSuiteRequestInput) {
    return this.call(this.client.POST('/suites', { body: req as Schemas['CreateSuiteRequest'] }));
  }

  listSuites() {
    return this.all((cursor) => this.client.GET('/suites', { params: { query: { limit: 1000, cursor } } }));
  }

  runSuite(id: string) {
    return this.call(this.client.POST('/suites/{id}/run', { params: { path: { id } } }));
  }

  listRegressions(filter: { state?: RegressionState; suiteId?: string }) {
    return this.all((cursor) => this.client.GET('/regressions', { params: { query: { ...filter, limit: 1000, cursor } } }));
  }

  setRegressionState(id: string, state: (typeof SETTABLE_REGRESSION_STATES)[number]) {
    return this.call(this.client.PATCH('/regressions/{id}', { params: { path: { id } }, body: { state } }));
  }

  revokeKey(id: string) {
    return this.call(this.client.DELETE('/keys/{id}', { params: { path: { id } } }));
  }

  listModels() {
    return this.all((cursor) => this.client.GET('/models', { params: { query: { limit: 1000, cursor } } }));
  }

  listDevices() {
    return this.all((cursor) => this.client.GET('/devices', { params: { query: { limit: 1000, cursor } } }));
  }

  compare(modelId: string) {
    return this.call(this.client.GET('/compare', { params: { query: { modelId } } }));
  }

  /** Exactly one of deviceId (every framework there) or framework (that framework on every device). */
  layers(modelId: string, scope: { deviceId: string } | { framework: string }) {
    return this.call(this.client.GET('/compare/layers', { params: { query: { modelId, ...scope } } }));
  }

  advice(modelId: string, deviceId?: string) {
    return this.call(this.client.GET('/compare/advice', { params: { query: { modelId, ...(deviceId ? { deviceId } : {}) } } }));
  }

  layersViewUrl(modelId: string, deviceId: string): string {
    return `${this.dashboardUrl(modelId)}&deviceId=${encodeURIComponent(deviceId)}#layers-section`;
  }

  uploadModel(file: { bytes: Uint8Array; fileName: string }, fields: { name?: string; modelId?: string; slug?: string }): Promise<UploadResponse> {
    return this.call(uploadModel(this.client, file, fields));
  }

  createBenchmark(req: BenchmarkRequestInput) {
    return this.call(this.client.POST('/benchmarks', { body: req as Schemas['BenchmarkRequest'] }));
  }

  benchmarkStatus(runId: string): Promise<RunStatus> {
    return this.call(this.client.GET('/benchmarks/{id}', { params: { path: { id: runId } } }));
  }

  dashboardUrl(modelId: string): string {
    return `${this.baseUrl}/?modelId=${encodeURIComponent(modelId)}`;
  }

  private all<T>(page: Parameters<typeof listAll<T>>[0]): Promise<T[]> {
    return this.guard(listAll(page));
  }

  private call<T>(answer: Parameters<typeof unwrap<T>>[0]): Promise<T> {
    return this.guard(unwrap(answer));
  }

  /** What to do about a refused key or an unreachable API, in CLI terms. */
  private async guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof FarmApiError) {
        if (e.code === 'API_KEY_REQUIRED' && !this.apiKey) {
          throw new FarmApiError(e.code, `${e.message}; set FARM_API_KEY (an admin creates keys with \`farm keys create\`)`, e.status, e.details);
        }
        throw e;
      }
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      if (e instanceof TypeError && cause) {
        throw new FarmApiError(
          'API_UNREACHABLE',
          `cannot reach ${this.baseUrl} (${cause.code ?? cause.message}); is the API running? set --api or FARM_API_URL`,
        );
      }
      throw new FarmApiError('BAD_RESPONSE', `unexpected response from ${this.baseUrl} (${(e as Error).message}); is it a farm API of this version?`);
    }
  }
}
