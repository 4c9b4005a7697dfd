import { randomBytes } from 'node:crypto';
import { SoulBoxError } from '../errors/index.js';
import type { TemplateOwnerRecord, TemplateOwnerStore } from '../store/index.js';
import type { TemplateStore } from './template-store.js';

/** A template as one tenant names it, and where it lives. */
export interface TemplateRef {
  /** The name (alias) the tenant uses and the API shows. */
  name: string;
  /** Its directory under the templates dir: what the template store and sandbox records use. */
  dir: string;
  /** The owning tenant (the operator tenant for built-in and legacy templates). */
  ownerTenantId: string;
  /** Readable and usable by every tenant. */
  public: boolean;
  /** A recipe of this server (`base`, `code-interpreter-v1`): nobody builds or deletes it. */
  builtIn: boolean;
}

/**
 * Template names and their owners. Templates and their aliases belong to a tenant; two
 * tenants may each have a template with the same name. Reads resolve a name for a tenant in
 * this order: a built-in recipe, the tenant's own template, then a public one (only the
 * operator tenant publishes). Writes (build, upload, delete, publish) reach the caller's own
 * templates only. A name nobody visible to the caller holds is TEMPLATE_NOT_FOUND, as for
 * sandboxes, so other tenants' names do not leak.
 */
export interface TemplateCatalog {
  /** What `name` means for `tenantId`. @throws TEMPLATE_NOT_FOUND */
  resolve(tenantId: string, name: string): TemplateRef;
  /**
   * The caller's own template, for a change. @throws INVALID_ARGUMENT for built-in ones,
   * FORBIDDEN for a public template of another tenant, TEMPLATE_NOT_FOUND otherwise.
   */
  own(tenantId: string, name: string): TemplateRef;
  /** The tenant's template `name` for a build, registered on first use. @throws INVALID_ARGUMENT */
  claim(tenantId: string, name: string): TemplateRef;
  /** Every template the tenant sees: built-in, its own, then public ones it does not shadow. */
  visible(tenantId: string): TemplateRef[];
  /** Forgets the tenant's name once its builds are gone. */
  forget(ref: TemplateRef): void;
  /** Publishes or unpublishes one of the operator tenant's templates. @throws FORBIDDEN for others */
  setPublic(tenantId: string, name: string, value: boolean): TemplateRef;
}

/** Options of {@link createTemplateCatalog}. */
export interface TemplateCatalogOptions {
  owners: TemplateOwnerStore;
  templates: TemplateStore;
  /** Its templates keep plain directory names (`<name>`) and it alone may publish. */
  operatorTenant: string;
}

/** Template names as the API takes them. `__` is reserved: other tenants' directories use it. */
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** How a non-operator tenant's template directory ends: `<name>__<10 hex>`. */
const TENANT_DIR_SUFFIX = /__[0-9a-f]{10}$/;

/** Whether `name` is one the API accepts for a template (built-in aliases included). */
export function isTemplateName(name: string): boolean {
  return NAME.test(name) && !name.includes('__');
}

/** The name a template directory stands for (what the API shows for a sandbox's template). */
export function templateNameOfDir(dir: string): string {
  return dir.replace(TENANT_DIR_SUFFIX, '');
}

const notFound = (name: string) => new SoulBoxError('TEMPLATE_NOT_FOUND', `template "${name}" not found`);

export function createTemplateCatalog(o: TemplateCatalogOptions): TemplateCatalog {
  const { owners, templates, operatorTenant } = o;
  const fromRow = (r: TemplateOwnerRecord): TemplateRef => ({
    name: r.name,
    dir: r.dir,
    ownerTenantId: r.tenantId,
    public: r.public,
    builtIn: false,
  });
  const builtIn = (name: string): TemplateRef => ({
    name,
    dir: name,
    ownerTenantId: operatorTenant,
    public: true,
    builtIn: true,
  });
  /**
   * The operator's template without a row: one built before templates had owners (they were
   * one global namespace, so the operator adopts them, private until published).
   */
  const legacy = (name: string): TemplateRef | undefined => {
    if (owners.byDir(name) || !templates.get(name)) return undefined;
    return { name, dir: name, ownerTenantId: operatorTenant, public: false, builtIn: false };
  };
  const ownRef = (tenantId: string, name: string): TemplateRef | undefined => {
    const row = owners.get(tenantId, name);
    if (row) return fromRow(row);
    return tenantId === operatorTenant ? legacy(name) : undefined;
  };

  const catalog: TemplateCatalog = {
    resolve(tenantId, name) {
      if (!isTemplateName(name)) throw notFound(name);
      if (templates.isRecipe(name)) return builtIn(name);
      const own = ownRef(tenantId, name);
      if (own) return own;
      const pub = owners.publicByName(name);
      if (pub) return fromRow(pub);
      throw notFound(name);
    },
    own(tenantId, name) {
      if (!isTemplateName(name)) throw notFound(name);
      if (templates.isRecipe(name))
        throw new SoulBoxError('INVALID_ARGUMENT', `'${name}' is a built-in template and cannot be changed`);
      const own = ownRef(tenantId, name);
      if (own) return own;
      if (owners.publicByName(name))
        throw new SoulBoxError(
          'FORBIDDEN',
          `template '${name}' is published by the operator: other tenants may use it, not change it`,
        );
      throw notFound(name);
    },
    claim(tenantId, name) {
      if (!isTemplateName(name))
        throw new SoulBoxError(
          'INVALID_ARGUMENT',
          `invalid template name '${name}' (a-z, 0-9, '-', '_', no '__'; up to 64)`,
        );
      if (templates.isRecipe(name))
        throw new SoulBoxError('INVALID_ARGUMENT', `'${name}' is a built-in template and cannot be replaced`);
      const row = owners.get(tenantId, name);
      if (row) return fromRow(row);
      // The operator's templates keep their plain names (pool settings and older builds use
      // them); every other tenant's get a random suffix, so no name of one tenant can ever
      // address another's directory.
      const dir = tenantId === operatorTenant ? name : `${name}__${randomBytes(5).toString('hex')}`;
      return fromRow(owners.claim({ tenantId, name, dir, createdAt: new Date().toISOString() }));
    },
    visible(tenantId) {
      const out = new Map<string, TemplateRef>();
      const onDisk = [...new Set(templates.list().map((t) => t.name))];
      for (const dir of onDisk) if (templates.isRecipe(dir)) out.set(dir, builtIn(dir));
      const rows = owners.listVisible(tenantId);
      for (const r of rows) if (r.tenantId === tenantId) out.set(r.name, fromRow(r));
      if (tenantId === operatorTenant) {
        for (const dir of onDisk) {
          if (out.has(dir) || !isTemplateName(dir)) continue;
          const l = legacy(dir);
          if (l) out.set(l.name, l);
        }
      }
      for (const r of rows) if (!out.has(r.name) && r.public) out.set(r.name, fromRow(r));
      return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
    },
    forget(ref) {
      owners.remove(ref.ownerTenantId, ref.name);
    },
    setPublic(tenantId, name, value) {
      if (tenantId !== operatorTenant)
        throw new SoulBoxError('FORBIDDEN', 'only the operator tenant publishes templates');
      const ref = catalog.own(tenantId, name);
      // A legacy template gets its row now, keeping its directory.
      owners.claim({ tenantId, name, dir: ref.dir, createdAt: new Date().toISOString() });
      owners.setPublic(tenantId, name, value, new Date().toISOString());
      return { ...ref, public: value };
    },
  };
  return catalog;
}
