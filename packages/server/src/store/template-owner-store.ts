import type Database from 'better-sqlite3';

/** Who owns a template: the row behind one tenant's template name. */
export interface TemplateOwnerRecord {
  tenantId: string;
  /** The name (alias) the tenant uses; unique within the tenant, not across tenants. */
  name: string;
  /** The template's directory under the templates dir (what sandbox records reference). */
  dir: string;
  /** Readable and usable by every tenant (only the operator tenant publishes). */
  public: boolean;
  createdAt: string;
  updatedAt: string | null;
}

interface TemplateOwnerRow {
  tenant_id: string;
  name: string;
  dir: string;
  public: number;
  created_at: string;
  updated_at: string | null;
}

function toRecord(r: TemplateOwnerRow): TemplateOwnerRecord {
  return {
    tenantId: r.tenant_id,
    name: r.name,
    dir: r.dir,
    public: r.public === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Template ownership in the store (templates and their aliases belong to one tenant). */
export interface TemplateOwnerStore {
  get(tenantId: string, name: string): TemplateOwnerRecord | undefined;
  byDir(dir: string): TemplateOwnerRecord | undefined;
  /** The public template called `name`, if any. */
  publicByName(name: string): TemplateOwnerRecord | undefined;
  /** The tenant's templates and every public one, by name. */
  listVisible(tenantId: string): TemplateOwnerRecord[];
  /** Inserts unless the tenant has the name already; returns the row that holds it. */
  claim(r: { tenantId: string; name: string; dir: string; createdAt: string }): TemplateOwnerRecord;
  setPublic(tenantId: string, name: string, value: boolean, at: string): void;
  remove(tenantId: string, name: string): void;
}

/** Creates the template owner store over an open, migrated database. */
export function createTemplateOwnerStore(db: Database.Database): TemplateOwnerStore {
  const get = db.prepare('SELECT * FROM templates WHERE tenant_id = ? AND name = ?');
  const byDir = db.prepare('SELECT * FROM templates WHERE dir = ?');
  // Only the operator publishes, so at most one public row per name in practice; the oldest wins.
  const publicByName = db.prepare(
    'SELECT * FROM templates WHERE name = ? AND public = 1 ORDER BY created_at, tenant_id LIMIT 1',
  );
  const visible = db.prepare(
    'SELECT * FROM templates WHERE tenant_id = ? OR public = 1 ORDER BY name, created_at',
  );
  const insert = db.prepare(
    'INSERT OR IGNORE INTO templates (tenant_id, name, dir, public, created_at) VALUES (@tenantId, @name, @dir, 0, @createdAt)',
  );
  const setPublic = db.prepare(
    'UPDATE templates SET public = ?, updated_at = ? WHERE tenant_id = ? AND name = ?',
  );
  const remove = db.prepare('DELETE FROM templates WHERE tenant_id = ? AND name = ?');
  const one = (r: unknown) => (r ? toRecord(r as TemplateOwnerRow) : undefined);
  return {
    get: (tenantId, name) => one(get.get(tenantId, name)),
    byDir: (dir) => one(byDir.get(dir)),
    publicByName: (name) => one(publicByName.get(name)),
    listVisible: (tenantId) => (visible.all(tenantId) as TemplateOwnerRow[]).map(toRecord),
    claim(r) {
      insert.run(r);
      return toRecord(get.get(r.tenantId, r.name) as TemplateOwnerRow);
    },
    setPublic(tenantId, name, value, at) {
      setPublic.run(value ? 1 : 0, at, tenantId, name);
    },
    remove(tenantId, name) {
      remove.run(tenantId, name);
    },
  };
}
