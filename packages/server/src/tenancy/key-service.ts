import type { Identity } from '../auth/identity.js';
import { addApiKey, generateApiKey } from '../auth/index.js';
import type { AccessPolicy } from '../authz/access-policy.js';
import { expandPermissions, isSubset, type PermissionSet } from '../authz/permissions.js';
import type { RoleRegistry } from '../authz/roles.js';
import { SoulBoxError } from '../errors/index.js';
import type { KeyRecord, Store } from '../store/index.js';

/** An API key as the admin API shows it (never the secret or its hash). */
export interface KeyView {
  id: string;
  tenantId: string;
  name: string;
  /** First characters of the key, for recognising it. */
  prefix: string;
  role: string;
  scopes: string[] | null;
  userId: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'revoked' | 'expired';
}

/** What a caller asks for when issuing a key. */
export interface IssueKeyInput {
  role: string;
  /** Permission patterns narrowing the role (`sandbox:read`, `file:*`). */
  scopes?: string[];
  /** ISO 8601, in the future. */
  expiresAt?: string;
  name?: string;
  userId?: string;
}

/** API-key administration: issue (shown once), list, inspect, revoke. */
export interface KeyService {
  issue(by: Identity, tenantId: string, input: IssueKeyInput): { key: string; view: KeyView };
  list(by: Identity, tenantId: string): KeyView[];
  get(by: Identity, keyId: string): KeyView;
  revoke(by: Identity, keyId: string): KeyView;
}

/** The API shape of a key record. */
export function toKeyView(k: KeyRecord, now = Date.now()): KeyView {
  return {
    id: k.id,
    tenantId: k.tenantId,
    name: k.name,
    prefix: k.prefix,
    role: k.role,
    scopes: k.scopes,
    userId: k.userId,
    createdAt: k.createdAt,
    expiresAt: k.expiresAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
    status: k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) <= now ? 'expired' : 'active',
  };
}

/** Creates the key service. */
export function createKeyService(o: { store: Store; policy: AccessPolicy; roles: RoleRegistry }): KeyService {
  const tenantOrNotFound = (by: Identity, tenantId: string, permission: 'key:create' | 'key:read') => {
    const t = o.store.tenants.get(tenantId);
    if (!t || t.deletedAt !== null || !o.policy.canActOnTenant(by, tenantId, permission))
      throw new SoulBoxError('TENANT_NOT_FOUND', `tenant '${tenantId}' not found`);
  };
  const keyOrNotFound = (by: Identity, keyId: string, permission: 'key:read' | 'key:delete') => {
    const k = o.store.identities.getKey(keyId);
    if (!k || !o.policy.canActOnTenant(by, k.tenantId, permission))
      throw new SoulBoxError('KEY_NOT_FOUND', `key '${keyId}' not found`);
    return k;
  };
  const roleSet = (tenantId: string, role: string): PermissionSet => {
    const set = o.roles.permissionsOf(tenantId, role);
    if (!set)
      throw new SoulBoxError('INVALID_ARGUMENT', `role '${role}' does not exist in tenant '${tenantId}'`);
    return set;
  };

  return {
    issue(by, tenantId, input) {
      tenantOrNotFound(by, tenantId, 'key:create');
      let effective = roleSet(tenantId, input.role);
      if (input.scopes !== undefined) {
        if (input.scopes.length === 0) throw new SoulBoxError('INVALID_ARGUMENT', 'scopes must not be empty');
        const scoped = expandPermissions(input.scopes);
        // A scope only ever narrows the role; one beyond it would be a silent no-op, so refuse it.
        for (const p of scoped) {
          if (!effective.has(p))
            throw new SoulBoxError(
              'INVALID_ARGUMENT',
              `scope ${p} is not a permission of role '${input.role}'`,
            );
        }
        effective = scoped;
      }
      // Nobody hands out more than they hold.
      if (!isSubset(effective, by.permissions))
        throw new SoulBoxError('FORBIDDEN', 'a key may not carry permissions its issuer does not hold');
      let expiresAt: string | null = null;
      if (input.expiresAt !== undefined) {
        const t = Date.parse(input.expiresAt);
        if (Number.isNaN(t)) throw new SoulBoxError('INVALID_ARGUMENT', 'expiresAt must be an ISO 8601 time');
        if (t <= Date.now()) throw new SoulBoxError('INVALID_ARGUMENT', 'expiresAt must be in the future');
        expiresAt = new Date(t).toISOString();
      }
      if (input.userId !== undefined) {
        const u = o.store.identities.getUser(input.userId);
        if (!u || u.tenantId !== tenantId)
          throw new SoulBoxError(
            'USER_NOT_FOUND',
            `user '${input.userId}' not found in tenant '${tenantId}'`,
          );
      }
      const key = generateApiKey();
      const rec = addApiKey(o.store, key, {
        tenantId,
        role: input.role,
        name: input.name ?? `${input.role} key`,
        scopes: input.scopes ?? null,
        expiresAt,
        userId: input.userId ?? null,
      });
      return { key, view: toKeyView(rec) };
    },
    list(by, tenantId) {
      tenantOrNotFound(by, tenantId, 'key:read');
      const now = Date.now();
      return o.store.identities.listKeys(tenantId).map((k) => toKeyView(k, now));
    },
    get(by, keyId) {
      return toKeyView(keyOrNotFound(by, keyId, 'key:read'));
    },
    revoke(by, keyId) {
      const k = keyOrNotFound(by, keyId, 'key:delete');
      // An admin cannot take away the owner's key; revoking your own key is always allowed.
      const set = o.roles.permissionsOf(k.tenantId, k.role);
      if (k.id !== by.keyId && set && !isSubset(set, by.permissions))
        throw new SoulBoxError(
          'FORBIDDEN',
          'a key with permissions beyond your own cannot be revoked by you',
        );
      o.store.identities.revokeKey(k.id, new Date().toISOString());
      return toKeyView(o.store.identities.getKey(k.id)!);
    },
  };
}
