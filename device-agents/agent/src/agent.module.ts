/** The agent's dependency graph; built from a validated config so tests can start agents side by side. */
import { Module, type DynamicModule } from '@nestjs/common';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { AGENT_CONFIG, AGENT_VERSION, type AgentConfig } from './agent-config.js';
import { CredentialStore } from './api/credential-store.js';
import { ApiClient } from './api/api-client.js';
import { ResultOutbox } from './outbox/result-outbox.js';
import { ArtifactCache } from './jobs/artifact-cache.js';
import { BenchmarkJobService } from './jobs/benchmark-job.service.js';
import { LocalTransport } from './transports/local.transport.js';
import { DeviceWorkersService } from './device-workers.service.js';

@Module({})
export class AgentModule {
  static forConfig(config: AgentConfig): DynamicModule {
    return {
      module: AgentModule,
      providers: [
        { provide: AGENT_CONFIG, useValue: config },
        {
          provide: ApiClient,
          useFactory: () =>
            new ApiClient(config.apiUrl, {
              bootstrapToken: config.bootstrapToken,
              store: new CredentialStore(config.dataDir, config.apiUrl),
              enroll: { name: config.name, hostname: hostname(), version: AGENT_VERSION },
            }),
        },
        { provide: ResultOutbox, useFactory: (api: ApiClient) => new ResultOutbox(config.dataDir, api), inject: [ApiClient] },
        { provide: ArtifactCache, useFactory: (api: ApiClient) => new ArtifactCache(config.dataDir, api), inject: [ApiClient] },
        // The desktop as a device; its root (push cache, job workspaces) lives in the agent's data dir.
        { provide: LocalTransport, useFactory: () => new LocalTransport({ root: join(config.dataDir, 'local-device') }) },
        BenchmarkJobService,
        DeviceWorkersService,
      ],
    };
  }
}
