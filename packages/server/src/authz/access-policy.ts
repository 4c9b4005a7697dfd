import type { Identity } from '../auth/identity.js';
import { SoulBoxError } from '../errors/index.js';
import type { Permission } from './permissions.js';

/** Tenant scoping on top of permissions: who may act on which tenant. */
export interface AccessPolicy {
  /** Members of the operator tenant apply their permissions to every tenant. */
  readonly operatorTenant: string;
  isOperator(id: Identity): boolean;
  can(id: Identity, permission: Permission): boolean;
  /** FORBIDDEN unless the identity holds the permission. */
  require(id: Identity, permission: Permission): void;
  /**
   * Whether the identity may act on `tenantId` with `permission`: its own tenant, or any
   * tenant for an operator. Callers answer a not-found code otherwise, so ids do not leak.
   */
  canActOnTenant(id: Identity, tenantId: string, permission: Permission): boolean;
}

/** Creates the policy for an operator tenant. */
export function createAccessPolicy(operatorTenant: string): AccessPolicy {
  const policy: AccessPolicy = {
    operatorTenant,
    isOperator: (id) => id.tenantId === operatorTenant,
    can: (id, permission) => id.permissions.has(permission),
    require(id, permission) {
      if (!id.permissions.has(permission))
        throw new SoulBoxError('FORBIDDEN', `this credential lacks the permission ${permission}`);
    },
    canActOnTenant: (id, tenantId, permission) =>
      id.permissions.has(permission) && (id.tenantId === tenantId || policy.isOperator(id)),
  };
  return policy;
}
