import type { ApiClient } from '../api-client.js';
import type { QuotaPatch, Tenant, TenantQuotaState } from './types.js';

const enc = encodeURIComponent;

/** `/admin/tenants`: create, list, inspect, change and delete tenants; their quotas. */
export class AdminTenants {
  constructor(private readonly api: ApiClient) {}

  /** Creates a tenant (operators only). `id` is generated when not given. */
  create(input: { name: string; id?: string; quotas?: QuotaPatch }): Promise<Tenant> {
    return this.api.json('POST', '/admin/tenants', { body: input });
  }

  /** Every tenant for an operator; the caller's own otherwise. */
  async list(): Promise<Tenant[]> {
    return (await this.api.json<{ tenants: Tenant[] }>('GET', '/admin/tenants')).tenants;
  }

  get(tenantId: string): Promise<Tenant> {
    return this.api.json('GET', `/admin/tenants/${enc(tenantId)}`);
  }

  /** Renames, and (operators) changes quotas: null removes a limit. */
  update(tenantId: string, patch: { name?: string; quotas?: QuotaPatch }): Promise<Tenant> {
    return this.api.json('PATCH', `/admin/tenants/${enc(tenantId)}`, { body: patch });
  }

  /** Deletes a tenant; with `force`, its live sandboxes are killed first. */
  async delete(tenantId: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.api.json('DELETE', `/admin/tenants/${enc(tenantId)}`, {
      query: { force: opts.force ? 'true' : undefined },
    });
  }

  quotas(tenantId: string): Promise<TenantQuotaState> {
    return this.api.json('GET', `/admin/tenants/${enc(tenantId)}/quotas`);
  }

  /** Replaces the tenant's own quotas (operators only). */
  setQuotas(tenantId: string, quotas: QuotaPatch): Promise<TenantQuotaState> {
    return this.api.json('PUT', `/admin/tenants/${enc(tenantId)}/quotas`, { body: quotas });
  }
}
