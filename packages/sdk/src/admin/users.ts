import type { ApiClient } from '../api-client.js';
import type { TenantUser } from './types.js';

const enc = encodeURIComponent;

/** Users of a tenant (keys can be issued to them; JWT/mTLS subjects map to them). */
export class AdminUsers {
  constructor(private readonly api: ApiClient) {}

  create(
    tenantId: string,
    input: { name: string; role: string; email?: string; subject?: string },
  ): Promise<TenantUser> {
    return this.api.json('POST', `/admin/tenants/${enc(tenantId)}/users`, { body: input });
  }

  async list(tenantId: string): Promise<TenantUser[]> {
    return (await this.api.json<{ users: TenantUser[] }>('GET', `/admin/tenants/${enc(tenantId)}/users`))
      .users;
  }

  get(userId: string): Promise<TenantUser> {
    return this.api.json('GET', `/admin/users/${enc(userId)}`);
  }

  /** `disabled: true` refuses the user's keys and tokens at once. */
  update(
    userId: string,
    patch: { name?: string; email?: string | null; role?: string; disabled?: boolean },
  ): Promise<TenantUser> {
    return this.api.json('PATCH', `/admin/users/${enc(userId)}`, { body: patch });
  }

  /** Deletes the user and revokes its keys. */
  async delete(userId: string): Promise<void> {
    await this.api.json('DELETE', `/admin/users/${enc(userId)}`);
  }
}
