import type { ApiClient } from '../api-client.js';
import { AdminAudit } from './audit.js';
import { AdminKeys } from './keys.js';
import { AdminRoles } from './roles.js';
import { AdminTenants } from './tenants.js';
import type { WhoAmI } from './types.js';
import { AdminUsage } from './usage.js';
import { AdminUsers } from './users.js';

/**
 * SoulBox's admin API (`/admin`): tenants and quotas, API keys, users, roles, the audit log
 * and usage. What a call may do depends on the credential: operators (members of the
 * operator tenant) act on every tenant, everyone else on their own.
 * @example
 * const admin = new Admin(createApiClient(resolveConnection({ apiUrl, apiKey })));
 * const t = await admin.tenants.create({ name: 'Acme', quotas: { maxSandboxes: 10 } });
 * const { key } = await admin.keys.issue(t.id, { role: 'developer' });
 */
export class Admin {
  readonly tenants: AdminTenants;
  readonly keys: AdminKeys;
  readonly users: AdminUsers;
  readonly roles: AdminRoles;
  readonly audit: AdminAudit;
  readonly usage: AdminUsage;

  constructor(private readonly api: ApiClient) {
    this.tenants = new AdminTenants(api);
    this.keys = new AdminKeys(api);
    this.users = new AdminUsers(api);
    this.roles = new AdminRoles(api);
    this.audit = new AdminAudit(api);
    this.usage = new AdminUsage(api);
  }

  /** Who the client's credential is: tenant, roles, permissions. */
  whoami(): Promise<WhoAmI> {
    return this.api.json('GET', '/admin/whoami');
  }
}
