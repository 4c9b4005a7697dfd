import type { ApiClient } from '../api-client.js';
import type { Role } from './types.js';

const enc = encodeURIComponent;

/** Roles: built-in and configured ones (everywhere), and each tenant's own. */
export class AdminRoles {
  constructor(private readonly api: ApiClient) {}

  /** Built-in and configured roles. */
  async listGlobal(): Promise<Role[]> {
    return (await this.api.json<{ roles: Role[] }>('GET', '/admin/roles')).roles;
  }

  /** Roles usable in a tenant. */
  async list(tenantId: string): Promise<Role[]> {
    return (await this.api.json<{ roles: Role[] }>('GET', `/admin/tenants/${enc(tenantId)}/roles`)).roles;
  }

  /** Defines a tenant role from permissions (`resource:action`, `*` wildcards). */
  define(tenantId: string, name: string, permissions: string[]): Promise<Role> {
    return this.api.json('POST', `/admin/tenants/${enc(tenantId)}/roles`, { body: { name, permissions } });
  }

  async delete(tenantId: string, name: string): Promise<void> {
    await this.api.json('DELETE', `/admin/tenants/${enc(tenantId)}/roles/${enc(name)}`);
  }
}
