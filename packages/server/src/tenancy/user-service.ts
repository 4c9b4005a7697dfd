import { randomUUID } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import type { AccessPolicy } from '../authz/access-policy.js';
import { isSubset } from '../authz/permissions.js';
import type { RoleRegistry } from '../authz/roles.js';
import { SoulBoxError } from '../errors/index.js';
import type { Store, UserRecord } from '../store/index.js';

/** What a caller gives to create a user. */
export interface CreateUserInput {
  name: string;
  email?: string;
  /** The JWT `sub` or certificate user that maps to this user. */
  subject?: string;
  role: string;
}

/** Changes to a user; `disabled: true` refuses its keys and tokens at once. */
export interface UpdateUserInput {
  name?: string;
  email?: string | null;
  role?: string;
  disabled?: boolean;
}

/** Users of a tenant. */
export interface UserService {
  create(by: Identity, tenantId: string, input: CreateUserInput): UserRecord;
  list(by: Identity, tenantId: string): UserRecord[];
  get(by: Identity, userId: string): UserRecord;
  update(by: Identity, userId: string, patch: UpdateUserInput): UserRecord;
  /** Deletes the user and revokes its keys. */
  remove(by: Identity, userId: string): void;
}

/** Creates the user service. */
export function createUserService(o: {
  store: Store;
  policy: AccessPolicy;
  roles: RoleRegistry;
}): UserService {
  const checkRole = (by: Identity, tenantId: string, role: string) => {
    const set = o.roles.permissionsOf(tenantId, role);
    if (!set)
      throw new SoulBoxError('INVALID_ARGUMENT', `role '${role}' does not exist in tenant '${tenantId}'`);
    if (!isSubset(set, by.permissions))
      throw new SoulBoxError('FORBIDDEN', `role '${role}' has permissions you do not hold`);
  };
  const tenantOrNotFound = (by: Identity, tenantId: string, permission: 'tenant:read' | 'tenant:update') => {
    const t = o.store.tenants.get(tenantId);
    if (!t || t.deletedAt !== null || !o.policy.canActOnTenant(by, tenantId, permission))
      throw new SoulBoxError('TENANT_NOT_FOUND', `tenant '${tenantId}' not found`);
  };
  const userOrNotFound = (by: Identity, userId: string, permission: 'tenant:read' | 'tenant:update') => {
    const u = o.store.identities.getUser(userId);
    if (!u || !o.policy.canActOnTenant(by, u.tenantId, permission))
      throw new SoulBoxError('USER_NOT_FOUND', `user '${userId}' not found`);
    return u;
  };
  return {
    create(by, tenantId, input) {
      tenantOrNotFound(by, tenantId, 'tenant:update');
      checkRole(by, tenantId, input.role);
      if (input.subject !== undefined && o.store.identities.findUserBySubject(tenantId, input.subject))
        throw new SoulBoxError('CONFLICT', `a user with subject '${input.subject}' already exists`);
      const rec: UserRecord = {
        id: randomUUID(),
        tenantId,
        name: input.name,
        email: input.email ?? null,
        subject: input.subject ?? null,
        role: input.role,
        createdAt: new Date().toISOString(),
        disabledAt: null,
      };
      o.store.identities.insertUser(rec);
      return rec;
    },
    list(by, tenantId) {
      tenantOrNotFound(by, tenantId, 'tenant:read');
      return o.store.identities.listUsers(tenantId);
    },
    get(by, userId) {
      return userOrNotFound(by, userId, 'tenant:read');
    },
    update(by, userId, patch) {
      const u = userOrNotFound(by, userId, 'tenant:update');
      checkRole(by, u.tenantId, u.role);
      if (patch.role !== undefined) checkRole(by, u.tenantId, patch.role);
      o.store.identities.updateUser(userId, {
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.email === undefined ? {} : { email: patch.email }),
        ...(patch.role === undefined ? {} : { role: patch.role }),
        ...(patch.disabled === undefined
          ? {}
          : { disabledAt: patch.disabled ? (u.disabledAt ?? new Date().toISOString()) : null }),
      });
      return o.store.identities.getUser(userId)!;
    },
    remove(by, userId) {
      const u = userOrNotFound(by, userId, 'tenant:update');
      checkRole(by, u.tenantId, u.role);
      o.store.transaction(() => {
        o.store.identities.revokeKeysOfUser(userId, new Date().toISOString());
        o.store.identities.deleteUser(userId);
      });
    },
  };
}
