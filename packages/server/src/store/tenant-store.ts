import type Database from 'better-sqlite3';

/**
 * Per-tenant limits. A missing limit is unlimited (or the configured default, see
 * `quotas` in the config).
 */
export interface TenantQuotas {
  /** Live sandboxes (running or paused). */
  maxSandboxes?: number;
  /** Sum of the live sandboxes' vCPUs. */
  maxVcpus?: number;
  /** Sum of the live sandboxes' memory limits, MiB. */
  maxMemoryMiB?: number;
  /** Sum of the live sandboxes' writable-layer limits, MiB. */
  maxDiskMiB?: number;
  /** Longest a sandbox may live from its start, seconds. */
  maxLifetimeS?: number;
  /** Sandbox creates per rolling minute. */
  createsPerMinute?: number;
}

/** A tenant with its quotas and bookkeeping times. */
export interface TenantDetail {
  id: string;
  name: string;
  /** The tenant's own limits (the configured defaults fill the gaps). */
  quotas: TenantQuotas;
  createdAt: string;
  updatedAt: string | null;
  deletedAt: string | null;
}

interface TenantRow {
  id: string;
  name: string;
  quotas: string;
  created_at: string;
  updated_at: string | null;
  deleted_at: string | null;
}

function toTenant(r: TenantRow): TenantDetail {
  return {
    id: r.id,
    name: r.name,
    quotas: JSON.parse(r.quotas) as TenantQuotas,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

/** Tenants in the store. Deleted tenants stay (their audit and usage rows refer to them). */
export interface TenantStore {
  insert(t: { id: string; name: string; quotas: TenantQuotas; createdAt: string }): void;
  /** A tenant, deleted ones included. */
  get(id: string): TenantDetail | undefined;
  /** Tenants not deleted, oldest first. */
  list(): TenantDetail[];
  update(id: string, patch: { name?: string; quotas?: TenantQuotas }, at: string): void;
  markDeleted(id: string, at: string): void;
  /** The tenant of the live sandbox holding this envd access token. */
  tenantOfAccessToken(token: string): { sandboxId: string; tenantId: string } | undefined;
}

/** Creates the tenant store over an open, migrated database. */
export function createTenantStore(db: Database.Database): TenantStore {
  const insert = db.prepare(
    'INSERT INTO tenants (id, name, quotas, created_at) VALUES (@id, @name, @quotas, @createdAt)',
  );
  const get = db.prepare('SELECT * FROM tenants WHERE id = ?');
  const list = db.prepare('SELECT * FROM tenants WHERE deleted_at IS NULL ORDER BY created_at, id');
  const markDeleted = db.prepare('UPDATE tenants SET deleted_at = ?, updated_at = ? WHERE id = ?');
  const byToken = db.prepare(
    "SELECT id, tenant_id FROM sandboxes WHERE access_token = ? AND state != 'killed' LIMIT 1",
  );
  return {
    insert(t) {
      insert.run({ id: t.id, name: t.name, quotas: JSON.stringify(t.quotas), createdAt: t.createdAt });
    },
    get(id) {
      const r = get.get(id) as TenantRow | undefined;
      return r ? toTenant(r) : undefined;
    },
    list() {
      return (list.all() as TenantRow[]).map(toTenant);
    },
    update(id, patch, at) {
      const sets = ['updated_at = @at'];
      if (patch.name !== undefined) sets.push('name = @name');
      if (patch.quotas !== undefined) sets.push('quotas = @quotas');
      db.prepare(`UPDATE tenants SET ${sets.join(', ')} WHERE id = @id`).run({
        id,
        at,
        name: patch.name ?? null,
        quotas: patch.quotas === undefined ? null : JSON.stringify(patch.quotas),
      });
    },
    markDeleted(id, at) {
      markDeleted.run(at, at, id);
    },
    tenantOfAccessToken(token) {
      const r = byToken.get(token) as { id: string; tenant_id: string } | undefined;
      return r ? { sandboxId: r.id, tenantId: r.tenant_id } : undefined;
    },
  };
}
