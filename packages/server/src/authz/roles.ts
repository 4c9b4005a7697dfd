import { SoulBoxError } from '../errors/index.js';
import { expandPermissions, type PermissionSet, sortedPermissions } from './permissions.js';

/**
 * Built-in roles, from most to least powerful. Every role is held within one tenant; members
 * of the operator tenant apply theirs to every tenant (see {@link canActOnTenant}).
 */
export const BUILTIN_ROLES = {
  /** Everything, including deleting the tenant. */
  owner: ['*'],
  /** Everything but deleting the tenant: sandboxes, templates, keys, users, roles, audit. */
  admin: [
    'sandbox:*',
    'template:*',
    'file:*',
    'network:*',
    'key:*',
    'audit:*',
    'tenant:create',
    'tenant:read',
    'tenant:update',
  ],
  /** Works with sandboxes, files, networks and templates; manages no one. */
  developer: ['sandbox:*', 'template:*', 'file:*', 'network:*'],
  /** Reads sandboxes, files, templates and the tenant; changes nothing. */
  viewer: ['sandbox:read', 'template:read', 'file:read', 'network:read', 'tenant:read'],
} as const satisfies Record<string, readonly string[]>;

/** Name of a built-in role. */
export type BuiltinRole = keyof typeof BUILTIN_ROLES;

/** Where a role comes from. */
export type RoleSourceKind = 'builtin' | 'config' | 'tenant';

/** A role as the admin API shows it. */
export interface RoleInfo {
  name: string;
  permissions: string[];
  source: RoleSourceKind;
  /** The tenant of a role defined through the API. */
  tenantId?: string;
}

/** Tenant-defined roles as the store keeps them. */
export interface TenantRoleSource {
  getRole(tenantId: string, name: string): { permissions: string[] } | undefined;
  listRoles(tenantId: string): { name: string; permissions: string[] }[];
  insertRole(tenantId: string, name: string, permissions: string[]): void;
  deleteRole(tenantId: string, name: string): boolean;
  /** Keys and users that still hold the role. */
  roleInUse(tenantId: string, name: string): boolean;
}

/** Resolves role names to permissions: built-in, then config, then the tenant's own. */
export interface RoleRegistry {
  /** The role's permissions in a tenant; undefined for a role that does not exist there. */
  permissionsOf(tenantId: string, role: string): PermissionSet | undefined;
  /** Roles visible in a tenant: built-in, configured and the tenant's own. */
  list(tenantId: string): RoleInfo[];
  /** Built-in and configured roles only. */
  listFixed(): RoleInfo[];
  define(tenantId: string, name: string, permissions: readonly string[]): RoleInfo;
  remove(tenantId: string, name: string): void;
}

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** Checks a role name's shape. */
export function validateRoleName(name: string): void {
  if (!ROLE_NAME.test(name)) {
    throw new SoulBoxError(
      'INVALID_ARGUMENT',
      `role name '${name}' must be lower-case letters, digits, '-' or '_', starting with a letter`,
    );
  }
}

/** Options for {@link createRoleRegistry}. */
export interface RoleRegistryOptions {
  /** Custom roles from the config: name → permission patterns. */
  configRoles: Readonly<Record<string, readonly string[]>>;
  tenantRoles: TenantRoleSource;
}

/** Creates the registry; config roles are checked here, so a bad one fails the start-up. */
export function createRoleRegistry(o: RoleRegistryOptions): RoleRegistry {
  const fixed = new Map<string, { set: PermissionSet; source: RoleSourceKind }>();
  for (const [name, patterns] of Object.entries(BUILTIN_ROLES))
    fixed.set(name, { set: expandPermissions(patterns), source: 'builtin' });
  for (const [name, patterns] of Object.entries(o.configRoles)) {
    validateRoleName(name);
    if (fixed.has(name))
      throw new SoulBoxError('INVALID_ARGUMENT', `auth.roles.${name}: shadows a built-in role`);
    fixed.set(name, { set: expandPermissions(patterns), source: 'config' });
  }
  // Tenant roles are read once and cached; this process's define/remove keep the cache true.
  const cache = new Map<string, PermissionSet | null>();
  const key = (tenantId: string, name: string) => `${tenantId}\u0000${name}`;
  const listFixed = (): RoleInfo[] =>
    [...fixed].map(([name, f]) => ({ name, permissions: sortedPermissions(f.set), source: f.source }));

  return {
    permissionsOf(tenantId, role) {
      const f = fixed.get(role);
      if (f) return f.set;
      const k = key(tenantId, role);
      let set = cache.get(k);
      if (set === undefined) {
        const row = o.tenantRoles.getRole(tenantId, role);
        set = row ? expandPermissions(row.permissions) : null;
        cache.set(k, set);
      }
      return set ?? undefined;
    },
    listFixed,
    list(tenantId) {
      const out: RoleInfo[] = listFixed();
      for (const r of o.tenantRoles.listRoles(tenantId)) {
        out.push({
          name: r.name,
          permissions: sortedPermissions(expandPermissions(r.permissions)),
          source: 'tenant',
          tenantId,
        });
      }
      return out;
    },
    define(tenantId, name, permissions) {
      validateRoleName(name);
      if (fixed.has(name)) throw new SoulBoxError('CONFLICT', `role '${name}' already exists`);
      if (permissions.length === 0)
        throw new SoulBoxError('INVALID_ARGUMENT', 'a role needs at least one permission');
      const set = expandPermissions(permissions);
      if (o.tenantRoles.getRole(tenantId, name))
        throw new SoulBoxError('CONFLICT', `role '${name}' already exists`);
      o.tenantRoles.insertRole(tenantId, name, [...permissions]);
      cache.delete(key(tenantId, name));
      return { name, permissions: sortedPermissions(set), source: 'tenant', tenantId };
    },
    remove(tenantId, name) {
      if (fixed.has(name)) {
        throw new SoulBoxError('FORBIDDEN', `role '${name}' is built in or configured and cannot be deleted`);
      }
      if (!o.tenantRoles.getRole(tenantId, name))
        throw new SoulBoxError('ROLE_NOT_FOUND', `role '${name}' not found`);
      if (o.tenantRoles.roleInUse(tenantId, name)) {
        throw new SoulBoxError(
          'CONFLICT',
          `role '${name}' is still held by keys or users; change them first`,
        );
      }
      o.tenantRoles.deleteRole(tenantId, name);
      cache.delete(key(tenantId, name));
    },
  };
}
