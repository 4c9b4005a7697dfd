import type { ApiClient } from '../api-client.js';
import type { ApiKeyInfo, IssuedApiKey } from './types.js';

const enc = encodeURIComponent;

/** What to issue. */
export interface IssueKeyOptions {
  role: string;
  /** Permissions narrowing the role, e.g. `['sandbox:read']`. */
  scopes?: string[];
  /** Expiry (ISO 8601 or a Date). */
  expiresAt?: string | Date;
  name?: string;
  /** The user the key belongs to. */
  userId?: string;
}

/** API keys: issue (the secret is returned once), list, inspect, revoke. */
export class AdminKeys {
  constructor(private readonly api: ApiClient) {}

  issue(tenantId: string, o: IssueKeyOptions): Promise<IssuedApiKey> {
    const body = { ...o, ...(o.expiresAt instanceof Date ? { expiresAt: o.expiresAt.toISOString() } : {}) };
    return this.api.json('POST', `/admin/tenants/${enc(tenantId)}/keys`, { body });
  }

  async list(tenantId: string): Promise<ApiKeyInfo[]> {
    return (await this.api.json<{ keys: ApiKeyInfo[] }>('GET', `/admin/tenants/${enc(tenantId)}/keys`)).keys;
  }

  get(keyId: string): Promise<ApiKeyInfo> {
    return this.api.json('GET', `/admin/keys/${enc(keyId)}`);
  }

  /** Revokes a key; it stops working at once. */
  async revoke(keyId: string): Promise<void> {
    await this.api.json('DELETE', `/admin/keys/${enc(keyId)}`);
  }
}
