import { randomInt } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import type { AccessPolicy } from '../authz/access-policy.js';
import { SoulBoxError } from '../errors/index.js';
import type { SandboxRecord, SandboxState, Store, TenantDetail, TenantQuotas } from '../store/index.js';
import type { QuotaLedger } from './quota-ledger.js';
import { effectiveQuotas, patchQuotas, type TenantAllocation } from './quotas.js';

/** A tenant as the admin API shows it. */
export interface TenantView {
  id: string;
  name: string;
  /** The tenant's own limits. */
  quotas: TenantQuotas;
  /** What applies: the tenant's own limits over the configured defaults. */
  effectiveQuotas: TenantQuotas;
  /** What its live sandboxes hold now. */
  allocated: TenantAllocation;
  createdAt: string;
  updatedAt: string | null;
}

/** The part of the sandbox manager tenant deletion needs. */
export interface TenantSandboxes {
  list(q: { tenantId?: string; states?: readonly SandboxState[] }): SandboxRecord[];
  kill(id: string, tenantId?: string): Promise<void>;
}

/** Tenant administration, scoped to what the caller may see. */
export interface TenantService {
  create(by: Identity, input: { id?: string; name: string; quotas?: Record<string, unknown> }): TenantView;
  list(by: Identity): TenantView[];
  get(by: Identity, id: string): TenantView;
  update(by: Identity, id: string, patch: { name?: string; quotas?: Record<string, unknown> }): TenantView;
  /** Replaces the tenant's own quotas. */
  setQuotas(by: Identity, id: string, quotas: Record<string, unknown>): TenantView;
  /** Soft-deletes: keys are revoked, the id stays taken. Live sandboxes: CONFLICT unless force (they are killed). */
  remove(by: Identity, id: string, opts: { force: boolean }): Promise<void>;
  /** The effective quotas of a tenant (defaults when it is unknown). */
  quotasOf(tenantId: string): TenantQuotas;
}

const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newTenantId(): string {
  let s = 't-';
  for (let i = 0; i < 12; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

function checkName(name: string): string {
  const n = name.trim();
  if (n.length < 1 || n.length > 200)
    throw new SoulBoxError('INVALID_ARGUMENT', 'name must be 1–200 characters');
  return n;
}

/** Creates the tenant service. */
export function createTenantService(o: {
  store: Store;
  policy: AccessPolicy;
  ledger: QuotaLedger;
  sandboxes: TenantSandboxes;
  defaults: TenantQuotas;
}): TenantService {
  const view = (t: TenantDetail): TenantView => ({
    id: t.id,
    name: t.name,
    quotas: t.quotas,
    effectiveQuotas: effectiveQuotas(o.defaults, t.quotas),
    allocated: o.ledger.allocated(t.id),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  });
  /** The tenant, or TENANT_NOT_FOUND when it does not exist, is deleted or is not the caller's. */
  const visible = (
    by: Identity,
    id: string,
    permission: 'tenant:read' | 'tenant:update' | 'tenant:delete',
  ) => {
    const t = o.store.tenants.get(id);
    if (!t || t.deletedAt !== null || !o.policy.canActOnTenant(by, id, permission))
      throw new SoulBoxError('TENANT_NOT_FOUND', `tenant '${id}' not found`);
    return t;
  };

  return {
    create(by, input) {
      // Creating tenants is the operators' business; a tenant's admin cannot make siblings.
      if (!o.policy.isOperator(by) || !o.policy.can(by, 'tenant:create'))
        throw new SoulBoxError('FORBIDDEN', 'only operators (members of the operator tenant) create tenants');
      const id = input.id ?? newTenantId();
      if (!TENANT_ID.test(id))
        throw new SoulBoxError('INVALID_ARGUMENT', 'id must be lower-case letters, digits, - or _ (≤ 63)');
      if (o.store.tenants.get(id)) throw new SoulBoxError('CONFLICT', `tenant '${id}' already exists`);
      const quotas = patchQuotas({}, input.quotas ?? {});
      o.store.tenants.insert({
        id,
        name: checkName(input.name),
        quotas,
        createdAt: new Date().toISOString(),
      });
      return view(o.store.tenants.get(id)!);
    },
    list(by) {
      if (o.policy.isOperator(by)) return o.store.tenants.list().map(view);
      return [view(visible(by, by.tenantId, 'tenant:read'))];
    },
    get(by, id) {
      return view(visible(by, id, 'tenant:read'));
    },
    update(by, id, patch) {
      const t = visible(by, id, 'tenant:update');
      if (patch.quotas !== undefined && !o.policy.isOperator(by))
        throw new SoulBoxError('FORBIDDEN', 'only operators change quotas');
      o.store.tenants.update(
        id,
        {
          ...(patch.name === undefined ? {} : { name: checkName(patch.name) }),
          ...(patch.quotas === undefined ? {} : { quotas: patchQuotas(t.quotas, patch.quotas) }),
        },
        new Date().toISOString(),
      );
      return view(o.store.tenants.get(id)!);
    },
    setQuotas(by, id, quotas) {
      visible(by, id, 'tenant:update');
      // Only operators set limits: a tenant raising its own would make quotas pointless.
      if (!o.policy.isOperator(by)) throw new SoulBoxError('FORBIDDEN', 'only operators change quotas');
      o.store.tenants.update(id, { quotas: patchQuotas({}, quotas) }, new Date().toISOString());
      return view(o.store.tenants.get(id)!);
    },
    async remove(by, id, opts) {
      visible(by, id, 'tenant:delete');
      if (id === o.policy.operatorTenant)
        throw new SoulBoxError('CONFLICT', 'the operator tenant cannot be deleted');
      const live = o.sandboxes.list({ tenantId: id, states: ['running', 'paused'] });
      if (live.length && !opts.force) {
        throw new SoulBoxError(
          'CONFLICT',
          `tenant '${id}' has ${live.length} live sandboxes; kill them first or delete with force=true`,
        );
      }
      const at = new Date().toISOString();
      // Keys first, so nothing new starts while the sandboxes go.
      o.store.identities.revokeKeysOfTenant(id, at);
      o.store.tenants.markDeleted(id, at);
      await Promise.all(live.map((s) => o.sandboxes.kill(s.id).catch(() => undefined)));
    },
    quotasOf(tenantId) {
      const t = o.store.tenants.get(tenantId);
      return effectiveQuotas(o.defaults, t?.quotas ?? {});
    },
  };
}
