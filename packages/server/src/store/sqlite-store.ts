import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type AuditStore, createAuditStore } from './audit-store.js';
import { createIdentityStore, type IdentityStore } from './identity-store.js';
import { MIGRATIONS } from './migrations.js';
import { createTemplateOwnerStore, type TemplateOwnerStore } from './template-owner-store.js';
import { createTenantStore, type TenantStore } from './tenant-store.js';
import type { SandboxRecord, SandboxState } from './types.js';
import { createUsageStore, type UsageStore } from './usage-store.js';

/** The tenant every single-tenant installation uses. */
export const DEFAULT_TENANT_ID = 'default';

interface SandboxRow {
  id: string;
  template_id: string;
  tenant_id: string;
  state: string;
  cpu_count: number;
  memory_mib: number;
  disk_mib: number;
  metadata: string;
  env_vars: string;
  access_token: string | null;
  traffic_token: string | null;
  network_mode: string;
  net_index: number | null;
  disk_project_id: number | null;
  uid_base: number | null;
  egress: string | null;
  qos: string;
  auto_pause: number;
  started_at: string;
  end_at: string;
  killed_at: string | null;
}

function toSandbox(r: SandboxRow): SandboxRecord {
  return {
    id: r.id,
    templateId: r.template_id,
    tenantId: r.tenant_id,
    state: r.state as SandboxState,
    cpuCount: r.cpu_count,
    memoryMiB: r.memory_mib,
    diskMiB: r.disk_mib,
    metadata: JSON.parse(r.metadata) as Record<string, string>,
    envVars: JSON.parse(r.env_vars) as Record<string, string>,
    accessToken: r.access_token,
    trafficToken: r.traffic_token,
    networkMode: r.network_mode === 'none' ? 'none' : 'bridge',
    netIndex: r.net_index,
    diskProjectId: r.disk_project_id,
    uidBase: r.uid_base,
    egress: r.egress === null ? null : (JSON.parse(r.egress) as SandboxRecord['egress']),
    autoPause: r.auto_pause === 1,
    qos: r.qos === 'guaranteed' ? 'guaranteed' : 'burstable',
    startedAt: r.started_at,
    endAt: r.end_at,
    killedAt: r.killed_at,
  };
}

/** Filters for {@link Store.listSandboxes}. */
export interface SandboxListQuery {
  tenantId?: string;
  states?: readonly SandboxState[];
  /** Newest first unless 'asc'. */
  order?: 'asc' | 'desc';
  /** Keyset cursor: (startedAt, id) of the last row of the previous page. */
  after?: { startedAt: string; id: string };
  limit?: number;
}

/** The embedded store (SQLite). Every method is synchronous: better-sqlite3 is, and it is fast. */
export interface Store {
  insertSandbox(rec: SandboxRecord): void;
  updateSandbox(id: string, patch: Partial<Omit<SandboxRecord, 'id'>>): void;
  getSandbox(id: string): SandboxRecord | undefined;
  listSandboxes(q?: SandboxListQuery): SandboxRecord[];
  /** Live sandboxes counted by state. */
  countByState(): Record<string, number>;
  /** Lowest free index in [min, max] among live sandboxes, or null when all are taken. */
  allocate(column: 'net_index' | 'disk_project_id', min: number, max: number): number | null;
  /** First ids of the uid ranges live sandboxes hold. */
  liveUidBases(): number[];
  /** Tenants with quotas (identity and governance). */
  readonly tenants: TenantStore;
  /** API keys, users and tenant roles. */
  readonly identities: IdentityStore;
  /** The hash-chained audit log. */
  readonly audit: AuditStore;
  /** Usage metering. */
  readonly usage: UsageStore;
  /** Which tenant owns which template name. */
  readonly templateOwners: TemplateOwnerStore;
  /** Runs `fn` in one IMMEDIATE transaction (check-and-write without a race). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

const SANDBOX_COLUMNS: Record<keyof Omit<SandboxRecord, 'id'>, string> = {
  templateId: 'template_id',
  tenantId: 'tenant_id',
  state: 'state',
  cpuCount: 'cpu_count',
  memoryMiB: 'memory_mib',
  diskMiB: 'disk_mib',
  metadata: 'metadata',
  envVars: 'env_vars',
  accessToken: 'access_token',
  trafficToken: 'traffic_token',
  networkMode: 'network_mode',
  netIndex: 'net_index',
  diskProjectId: 'disk_project_id',
  uidBase: 'uid_base',
  egress: 'egress',
  autoPause: 'auto_pause',
  qos: 'qos',
  startedAt: 'started_at',
  endAt: 'end_at',
  killedAt: 'killed_at',
};

function toColumnValue(key: string, value: unknown): unknown {
  if (key === 'metadata' || key === 'envVars') return JSON.stringify(value);
  if (key === 'egress') return value === null || value === undefined ? null : JSON.stringify(value);
  if (key === 'autoPause') return value ? 1 : 0;
  return value;
}

/** Options for {@link openStore}. */
export interface StoreOptions {
  /** SQLite file; ':memory:' for tests. */
  file: string;
}

/**
 * Makes the store's files owner-only (0600): they hold key hashes and sandboxes' access
 * tokens. Done before SQLite opens the file, since it creates `-wal` and `-shm` with the
 * database's own mode; files of an older install are tightened too.
 */
function restrictStoreFiles(file: string): void {
  fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.chmodSync(f, 0o600);
    } catch {
      // No such journal file yet.
    }
  }
}

/** Opens (and migrates) the SQLite store. */
export function openStore(options: StoreOptions): Store {
  if (options.file !== ':memory:') {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    restrictStoreFiles(options.file);
  }
  const db = new Database(options.file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  db.prepare('INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run(
    DEFAULT_TENANT_ID,
    'Default',
    new Date().toISOString(),
  );

  const insertSandbox =
    db.prepare(`INSERT INTO sandboxes (${['id', ...Object.values(SANDBOX_COLUMNS)].join(', ')})
    VALUES (${['@id', ...Object.keys(SANDBOX_COLUMNS).map((k) => `@${k}`)].join(', ')})`);
  const getSandbox = db.prepare('SELECT * FROM sandboxes WHERE id = ?');
  const updateCache = new Map<string, Database.Statement>();

  return {
    insertSandbox(rec) {
      const row: Record<string, unknown> = { id: rec.id };
      for (const key of Object.keys(SANDBOX_COLUMNS))
        row[key] = toColumnValue(key, rec[key as keyof SandboxRecord]);
      insertSandbox.run(row);
    },
    updateSandbox(id, patch) {
      const keys = Object.keys(patch).filter((k) => k in SANDBOX_COLUMNS) as (keyof typeof SANDBOX_COLUMNS)[];
      if (keys.length === 0) return;
      const sig = keys.join(',');
      let stmt = updateCache.get(sig);
      if (!stmt) {
        stmt = db.prepare(
          `UPDATE sandboxes SET ${keys.map((k) => `${SANDBOX_COLUMNS[k]} = @${k}`).join(', ')} WHERE id = @id`,
        );
        updateCache.set(sig, stmt);
      }
      const row: Record<string, unknown> = { id };
      for (const k of keys) row[k] = toColumnValue(k, patch[k]);
      stmt.run(row);
    },
    getSandbox(id) {
      const r = getSandbox.get(id) as SandboxRow | undefined;
      return r ? toSandbox(r) : undefined;
    },
    listSandboxes(q = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.tenantId) {
        where.push('tenant_id = ?');
        params.push(q.tenantId);
      }
      if (q.states?.length) {
        where.push(`state IN (${q.states.map(() => '?').join(', ')})`);
        params.push(...q.states);
      }
      const desc = q.order !== 'asc';
      if (q.after) {
        where.push(desc ? '(started_at, id) < (?, ?)' : '(started_at, id) > (?, ?)');
        params.push(q.after.startedAt, q.after.id);
      }
      const dir = desc ? 'DESC' : 'ASC';
      const sql = `SELECT * FROM sandboxes ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY started_at ${dir}, id ${dir} ${q.limit ? 'LIMIT ?' : ''}`;
      if (q.limit) params.push(q.limit);
      return (db.prepare(sql).all(...params) as SandboxRow[]).map(toSandbox);
    },
    countByState() {
      const rows = db
        .prepare("SELECT state, COUNT(*) AS n FROM sandboxes WHERE state != 'killed' GROUP BY state")
        .all() as { state: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.state, r.n]));
    },
    allocate(column, min, max) {
      const used = db
        .prepare(
          `SELECT ${column} AS v FROM sandboxes WHERE state != 'killed' AND ${column} IS NOT NULL ORDER BY v`,
        )
        .all() as { v: number }[];
      let candidate = min;
      for (const { v } of used) {
        if (v < candidate) continue;
        if (v > candidate) break;
        candidate++;
      }
      return candidate <= max ? candidate : null;
    },
    liveUidBases() {
      return (
        db
          .prepare("SELECT uid_base AS v FROM sandboxes WHERE state != 'killed' AND uid_base IS NOT NULL")
          .all() as { v: number }[]
      ).map((r) => r.v);
    },
    tenants: createTenantStore(db),
    identities: createIdentityStore(db),
    audit: createAuditStore(db),
    usage: createUsageStore(db),
    templateOwners: createTemplateOwnerStore(db),
    transaction: (fn) => db.transaction(fn).immediate(),
    close() {
      db.close();
    },
  };
}
