import type { Identity } from '../auth/identity.js';
import type { AccessPolicy } from '../authz/access-policy.js';
import { expandPermissions, isSubset } from '../authz/permissions.js';
import type { RoleInfo, RoleRegistry } from '../authz/roles.js';
import { SoulBoxError } from '../errors/index.js';
import type { Store } from '../store/index.js';

/** Role administration within a tenant (built-in and configured roles are read-only). */
export interface RoleService {
  /** Built-in and configured roles (the same in every tenant). */
  listGlobal(): RoleInfo[];
  list(by: Identity, tenantId: string): RoleInfo[];
  define(by: Identity, tenantId: string, input: { name: string; permissions: string[] }): RoleInfo;
  remove(by: Identity, tenantId: string, name: string): void;
}

/** Creates the role service. */
export function createRoleService(o: {
  store: Store;
  policy: AccessPolicy;
  roles: RoleRegistry;
}): RoleService {
  const tenantOrNotFound = (by: Identity, tenantId: string, permission: 'tenant:read' | 'tenant:update') => {
    const t = o.store.tenants.get(tenantId);
    if (!t || t.deletedAt !== null || !o.policy.canActOnTenant(by, tenantId, permission))
      throw new SoulBoxError('TENANT_NOT_FOUND', `tenant '${tenantId}' not found`);
  };
  return {
    listGlobal: () => o.roles.listFixed(),
    list(by, tenantId) {
      tenantOrNotFound(by, tenantId, 'tenant:read');
      return o.roles.list(tenantId);
    },
    define(by, tenantId, input) {
      tenantOrNotFound(by, tenantId, 'tenant:update');
      // A role is a bundle of permissions to hand out: only what the definer holds.
      if (!isSubset(expandPermissions(input.permissions), by.permissions))
        throw new SoulBoxError('FORBIDDEN', 'a role may not carry permissions you do not hold');
      return o.roles.define(tenantId, input.name, input.permissions);
    },
    remove(by, tenantId, name) {
      tenantOrNotFound(by, tenantId, 'tenant:update');
      o.roles.remove(tenantId, name);
    },
  };
}
