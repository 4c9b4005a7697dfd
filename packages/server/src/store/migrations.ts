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
  `
  -- Identity and governance: tenant quotas and soft delete, users, tenant roles, the
  -- hash-chained audit log (append-only, enforced by triggers) and usage metering.
  ALTER TABLE tenants ADD COLUMN quotas TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE tenants ADD COLUMN updated_at TEXT;
  ALTER TABLE tenants ADD COLUMN deleted_at TEXT;
  ALTER TABLE api_keys ADD COLUMN user_id TEXT;
  CREATE INDEX api_keys_tenant ON api_keys(tenant_id, created_at);
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    email TEXT,
    subject TEXT,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT
  );
  CREATE UNIQUE INDEX users_subject ON users(tenant_id, subject) WHERE subject IS NOT NULL;
  CREATE TABLE roles (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
  );
  CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    result TEXT NOT NULL,
    source_ip TEXT,
    user_agent TEXT,
    request_id TEXT,
    metadata TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX audit_events_tenant ON audit_events(tenant_id, seq);
  CREATE INDEX audit_events_at ON audit_events(at);
  CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
  CREATE TABLE usage_buckets (
    tenant_id TEXT NOT NULL,
    bucket_start INTEGER NOT NULL,
    sandbox_id TEXT NOT NULL,
    cpu_seconds REAL NOT NULL DEFAULT 0,
    memory_mib_seconds REAL NOT NULL DEFAULT 0,
    sandbox_seconds REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, bucket_start, sandbox_id)
  );
  CREATE INDEX usage_buckets_start ON usage_buckets(bucket_start);
  CREATE TABLE meter_state (
    sandbox_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    cpu_us REAL NOT NULL,
    at_ms INTEGER NOT NULL,
    running INTEGER NOT NULL
  );
  CREATE INDEX sandboxes_access_token ON sandboxes(access_token) WHERE access_token IS NOT NULL;
  -- The bootstrap admin key becomes the owner of the operator tenant.
  UPDATE api_keys SET role = 'owner' WHERE role = 'admin' AND name LIKE 'admin (%)';
  `,
  `
  -- runtime uid ranges: each live sandbox owns a 65536-id host range starting at uid_base
  -- (NULL for sandboxes started before, which all shared one range).
  ALTER TABLE sandboxes ADD COLUMN uid_base INTEGER;
  CREATE UNIQUE INDEX sandboxes_uid_base ON sandboxes(uid_base) WHERE state != 'killed';
  `,
  `
  -- Template ownership: every template name (alias) belongs to one tenant; two tenants may
  -- each have one called the same. dir is its directory under the templates dir, which
  -- sandbox records reference. Built-in recipes (base, code-interpreter-v1) have no row.
  CREATE TABLE templates (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    dir TEXT NOT NULL UNIQUE,
    public INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    PRIMARY KEY (tenant_id, name)
  );
  CREATE INDEX templates_public ON templates(name) WHERE public = 1;
  `,
  `
  -- Port access (isolation boundary): the traffic token of a sandbox created with
  -- network.allowPublicTraffic = false; its non-envd ports answer only requests carrying it.
  ALTER TABLE sandboxes ADD COLUMN traffic_token TEXT;
  `,
];
