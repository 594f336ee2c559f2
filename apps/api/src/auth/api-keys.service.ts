/** API keys: creation (the key is shown once), listing, revocation, and the check each request makes. */
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  API_KEY_SCOPES,
  DomainError,
  type ApiKeyScope,
  type ApiKeyView,
  type CreateApiKey,
  type CreatedApiKey,
  type Page,
  type PageQuery,
} from '@farm/contracts';
import { toPage } from '../common/page.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { displayPrefix, newApiKey, sha256Hex } from './secrets.js';

type KeyRow = { id: string; name: string; prefix: string; scopes: ApiKeyScope[]; createdAt: Date; revokedAt: Date | null };

function view(k: KeyRow): ApiKeyView {
  return { id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null };
}

/** Any key may read; write and admin must be granted by name. */
export function keyAllows(scopes: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return needed === 'read' || scopes.includes(needed);
}

@Injectable()
export class ApiKeysService implements OnModuleInit {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly repo: ApiKeysRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * FARM_ADMIN_KEY is how a farm gets its first key without a chicken-and-egg step. Only its hash
   * is stored, and a revoked one stays revoked across restarts (the row is kept, not recreated).
   */
  async onModuleInit(): Promise<void> {
    const key = this.config.adminKey;
    if (!key) return;
    const row = await this.repo.ensure({ name: 'admin (FARM_ADMIN_KEY)', prefix: displayPrefix(key), keyHash: sha256Hex(key), scopes: [...API_KEY_SCOPES] });
    if (row.revokedAt) this.logger.warn(`FARM_ADMIN_KEY (${row.prefix}…) was revoked on ${row.revokedAt.toISOString()}; it is not accepted`);
  }

  async create(req: CreateApiKey): Promise<CreatedApiKey> {
    const key = newApiKey();
    const scopes = API_KEY_SCOPES.filter((s) => req.scopes.includes(s));
    const row = await this.repo.create({ name: req.name, prefix: displayPrefix(key), keyHash: sha256Hex(key), scopes });
    this.logger.log(`API key ${row.prefix}… "${row.name}" created with scopes ${scopes.join(', ')}`);
    return { ...view(row), key };
  }

  async list(page: PageQuery): Promise<Page<ApiKeyView>> {
    return toPage(await this.repo.list(page), page, view);
  }

  async revoke(id: string): Promise<ApiKeyView> {
    const row = await this.repo.revoke(id, new Date());
    if (!row) throw new DomainError('API_KEY_NOT_FOUND', `no API key with id "${id}"; list keys with GET /keys (farm keys list)`);
    this.logger.log(`API key ${row.prefix}… "${row.name}" revoked`);
    return view(row);
  }

  /** The key's id and scopes, or API_KEY_INVALID. */
  async authenticate(presented: string): Promise<{ id: string; scopes: ApiKeyScope[] }> {
    const row = await this.repo.findActive(sha256Hex(presented));
    if (!row) throw new DomainError('API_KEY_INVALID', 'the API key is unknown or revoked; create one with `farm keys create` (admin) or ask the farm admin');
    return { id: row.id, scopes: row.scopes };
  }
}
