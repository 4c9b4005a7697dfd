/**
 * Schema migrations, applied in order once each. Never edit a shipped migration; add one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    scopes TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT
  );
  CREATE TABLE sandboxes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    template_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    state TEXT NOT NULL,
    cpu_count INTEGER NOT NULL,
    memory_mib INTEGER NOT NULL,
    disk_mib INTEGER NOT NULL,
    metadata TEXT NOT NULL,
    env_vars TEXT NOT NULL,
    access_token TEXT,
    network_mode TEXT NOT NULL,
    net_index INTEGER,
    disk_project_id INTEGER,
    auto_pause INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    killed_at TEXT
  );
  CREATE INDEX sandboxes_live ON sandboxes(state, tenant_id, started_at);
  CREATE UNIQUE INDEX sandboxes_net_index ON sandboxes(net_index) WHERE state != 'killed';
  CREATE UNIQUE INDEX sandboxes_disk_project ON sandboxes(disk_project_id) WHERE state != 'killed';
  `,
  `
  ALTER TABLE sandboxes ADD COLUMN egress TEXT;
  `,
  `
  ALTER TABLE sandboxes ADD COLUMN qos TEXT NOT NULL DEFAULT 'burstable';
  `,
];
