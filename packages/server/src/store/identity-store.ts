import type Database from 'better-sqlite3';
/** A stored API key (only a hash of the secret is kept), with the user it was issued to, if any. */
export interface KeyRecord {
  id: string;
  tenantId: string;
  name: string;
  /** First characters of the key, shown for identification. */
  prefix: string;
  /** sha256 of the whole key, hex. */
  hash: string;
  role: string;
  /** Permission subset for scoped keys; null = the role's permissions. */
  scopes: string[] | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  userId: string | null;
}

/** A person (or service) known to a tenant: keys can be issued to them, JWT/mTLS subjects map to them. */
export interface UserRecord {
  id: string;
  tenantId: string;
  name: string;
  email: string | null;
  /** External identity: a JWT `sub` or a certificate's user name. */
  subject: string | null;
  role: string;
  createdAt: string;
  disabledAt: string | null;
}

interface KeyRow {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  hash: string;
  role: string;
  scopes: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  user_id: string | null;
}

interface UserRow {
  id: string;
  tenant_id: string;
  name: string;
  email: string | null;
  subject: string | null;
  role: string;
  created_at: string;
  disabled_at: string | null;
}

function toKey(r: KeyRow): KeyRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    prefix: r.prefix,
    hash: r.hash,
    role: r.role,
    scopes: r.scopes === null ? null : (JSON.parse(r.scopes) as string[]),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    userId: r.user_id,
  };
}

function toUser(r: UserRow): UserRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    email: r.email,
    subject: r.subject,
    role: r.role,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
  };
}

/** API keys, users and tenant-defined roles. Every statement is prepared once. */
export interface IdentityStore {
  insertKey(rec: KeyRecord): void;
  getKey(id: string): KeyRecord | undefined;
  findKeyByHash(hash: string): KeyRecord | undefined;
  listKeys(tenantId: string): KeyRecord[];
  touchKey(id: string, at: string): void;
  /** Revokes a key; false when it was already revoked or does not exist. */
  revokeKey(id: string, at: string): boolean;
  revokeKeysOfTenant(tenantId: string, at: string): void;
  revokeKeysOfUser(userId: string, at: string): void;
  insertUser(rec: UserRecord): void;
  getUser(id: string): UserRecord | undefined;
  findUserBySubject(tenantId: string, subject: string): UserRecord | undefined;
  listUsers(tenantId: string): UserRecord[];
  updateUser(id: string, patch: Partial<Pick<UserRecord, 'name' | 'email' | 'role' | 'disabledAt'>>): void;
  deleteUser(id: string): void;
  getRole(tenantId: string, name: string): { permissions: string[] } | undefined;
  listRoles(tenantId: string): { name: string; permissions: string[] }[];
  insertRole(tenantId: string, name: string, permissions: string[]): void;
  deleteRole(tenantId: string, name: string): boolean;
  roleInUse(tenantId: string, name: string): boolean;
}

/** Creates the identity store over an open, migrated database. */
export function createIdentityStore(db: Database.Database): IdentityStore {
  const s = {
    insertKey: db.prepare(
      `INSERT INTO api_keys (id, tenant_id, name, prefix, hash, role, scopes, created_at, expires_at, last_used_at, revoked_at, user_id)
       VALUES (@id, @tenantId, @name, @prefix, @hash, @role, @scopes, @createdAt, @expiresAt, @lastUsedAt, @revokedAt, @userId)`,
    ),
    getKey: db.prepare('SELECT * FROM api_keys WHERE id = ?'),
    keyByHash: db.prepare('SELECT * FROM api_keys WHERE hash = ?'),
    listKeys: db.prepare('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id'),
    touchKey: db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
    revokeKey: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    revokeTenant: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND revoked_at IS NULL'),
    revokeUser: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL'),
    insertUser: db.prepare(
      `INSERT INTO users (id, tenant_id, name, email, subject, role, created_at, disabled_at)
       VALUES (@id, @tenantId, @name, @email, @subject, @role, @createdAt, @disabledAt)`,
    ),
    getUser: db.prepare('SELECT * FROM users WHERE id = ?'),
    userBySubject: db.prepare('SELECT * FROM users WHERE tenant_id = ? AND subject = ?'),
    listUsers: db.prepare('SELECT * FROM users WHERE tenant_id = ? ORDER BY created_at, id'),
    deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),
    getRole: db.prepare('SELECT permissions FROM roles WHERE tenant_id = ? AND name = ?'),
    listRoles: db.prepare('SELECT name, permissions FROM roles WHERE tenant_id = ? ORDER BY name'),
    insertRole: db.prepare(
      'INSERT INTO roles (tenant_id, name, permissions, created_at) VALUES (?, ?, ?, ?)',
    ),
    deleteRole: db.prepare('DELETE FROM roles WHERE tenant_id = ? AND name = ?'),
    roleInUse: db.prepare(
      `SELECT 1 FROM api_keys WHERE tenant_id = @t AND role = @r AND revoked_at IS NULL
       UNION ALL SELECT 1 FROM users WHERE tenant_id = @t AND role = @r LIMIT 1`,
    ),
  };
  const userColumns: Record<string, string> = {
    name: 'name',
    email: 'email',
    role: 'role',
    disabledAt: 'disabled_at',
  };
  return {
    insertKey(rec) {
      s.insertKey.run({ ...rec, scopes: rec.scopes === null ? null : JSON.stringify(rec.scopes) });
    },
    getKey(id) {
      const r = s.getKey.get(id) as KeyRow | undefined;
      return r ? toKey(r) : undefined;
    },
    findKeyByHash(hash) {
      const r = s.keyByHash.get(hash) as KeyRow | undefined;
      return r ? toKey(r) : undefined;
    },
    listKeys(tenantId) {
      return (s.listKeys.all(tenantId) as KeyRow[]).map(toKey);
    },
    touchKey(id, at) {
      s.touchKey.run(at, id);
    },
    revokeKey(id, at) {
      return s.revokeKey.run(at, id).changes > 0;
    },
    revokeKeysOfTenant(tenantId, at) {
      s.revokeTenant.run(at, tenantId);
    },
    revokeKeysOfUser(userId, at) {
      s.revokeUser.run(at, userId);
    },
    insertUser(rec) {
      s.insertUser.run(rec);
    },
    getUser(id) {
      const r = s.getUser.get(id) as UserRow | undefined;
      return r ? toUser(r) : undefined;
    },
    findUserBySubject(tenantId, subject) {
      const r = s.userBySubject.get(tenantId, subject) as UserRow | undefined;
      return r ? toUser(r) : undefined;
    },
    listUsers(tenantId) {
      return (s.listUsers.all(tenantId) as UserRow[]).map(toUser);
    },
    updateUser(id, patch) {
      const keys = Object.keys(patch).filter((k) => k in userColumns);
      if (keys.length === 0) return;
      const sql = `UPDATE users SET ${keys.map((k) => `${userColumns[k]} = @${k}`).join(', ')} WHERE id = @id`;
      db.prepare(sql).run({ ...patch, id });
    },
    deleteUser(id) {
      s.deleteUser.run(id);
    },
    getRole(tenantId, name) {
      const r = s.getRole.get(tenantId, name) as { permissions: string } | undefined;
      return r ? { permissions: JSON.parse(r.permissions) as string[] } : undefined;
    },
    listRoles(tenantId) {
      return (s.listRoles.all(tenantId) as { name: string; permissions: string }[]).map((r) => ({
        name: r.name,
        permissions: JSON.parse(r.permissions) as string[],
      }));
    },
    insertRole(tenantId, name, permissions) {
      s.insertRole.run(tenantId, name, JSON.stringify(permissions), new Date().toISOString());
    },
    deleteRole(tenantId, name) {
      return s.deleteRole.run(tenantId, name).changes > 0;
    },
    roleInUse(tenantId, name) {
      return s.roleInUse.get({ t: tenantId, r: name }) !== undefined;
    },
  };
}
