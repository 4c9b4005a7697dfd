import { type AuditEventInput, type AuditLog, createAuditLog } from './audit/index.js';
import { type Authenticator, createAuthenticator, createJwtVerifier } from './auth/index.js';
import {
  type AccessPolicy,
  createAccessPolicy,
  createRoleRegistry,
  createRouteMatcher,
  ROUTE_RULES,
  type RoleRegistry,
  type RouteMatcher,
} from './authz/index.js';
import type { Config } from './config/index.js';
import { createUsageMeter, type UsageMeter, type UsageReading } from './metering/index.js';
import type { SandboxLifecycleEvent, SandboxManager } from './sandbox/sandbox-manager.js';
import type { Store } from './store/index.js';
import {
  createKeyService,
  createQuotaLedger,
  createRoleService,
  createSandboxQuotaGate,
  createTenantService,
  createUserService,
  type KeyService,
  type QuotaLedger,
  type RoleService,
  type SandboxQuotaGate,
  type TenantService,
  type UserService,
} from './tenancy/index.js';
import type { Logger } from './util/logger.js';

/**
 * Identity and governance, wired: who is calling (authentication chain), what they may do
 * (roles, route rules, tenant scope), what they may still use (quotas), what they used
 * (metering) and what happened (audit log).
 */
export interface Governance {
  readonly store: Store;
  readonly authenticator: Authenticator;
  readonly policy: AccessPolicy;
  readonly roles: RoleRegistry;
  readonly routes: RouteMatcher;
  readonly audit: AuditLog;
  readonly meter: UsageMeter;
  readonly ledger: QuotaLedger;
  readonly quotaGate: SandboxQuotaGate;
  readonly tenants: TenantService;
  readonly keys: KeyService;
  readonly users: UserService;
  readonly roleAdmin: RoleService;
  /** Audit successful reads too. */
  readonly auditReads: boolean;
  /** Audit data-plane changes (exec, file writes). */
  readonly auditDataPlane: boolean;
  /** Call after the sandbox manager's reconcile: drops metering state of sandboxes lost meanwhile. */
  reconciled(): void;
  /** Stops metering (saving a last reading) and listening to the manager. */
  close(): void;
}

/** Options of {@link createGovernance}. */
export interface GovernanceOptions {
  config: Config;
  store: Store;
  sandboxes: SandboxManager;
  /** Reads a sandbox's cgroup usage. */
  readUsage(sandboxId: string): UsageReading | undefined;
  logger: Logger;
}

/**
 * Creates governance and subscribes it to the manager's events; create it before the
 * manager's reconcile, so that adopted sandboxes are counted and metered.
 */
export function createGovernance(o: GovernanceOptions): Governance {
  const { config, store, logger } = o;
  const policy = createAccessPolicy(config.auth.operatorTenant);
  const roles = createRoleRegistry({ configRoles: config.auth.roles, tenantRoles: store.identities });
  const jwt = config.auth.jwt;
  const authenticator = createAuthenticator({
    store,
    roles,
    apiKeys: config.auth.apiKeys,
    jwt: createJwtVerifier({
      hs256Secrets: jwt.hs256Secrets,
      publicKeys: jwt.publicKeys,
      issuer: jwt.issuer,
      audience: jwt.audience,
      oidc: jwt.oidc,
      claims: jwt.claims,
      clockToleranceS: jwt.clockToleranceS,
      jwks: {
        cacheMaxAgeMs: jwt.jwksCacheMaxAgeMs,
        cooldownMs: jwt.jwksCooldownMs,
        timeoutMs: jwt.jwksTimeoutMs,
      },
    }),
    jwtDefaultRole: jwt.defaultRole,
    mtls: config.tls.clientCaFile ? config.auth.mtls : undefined,
    requireClientCert: config.tls.requireClientCert,
  });
  const audit = createAuditLog({ store: store.audit, logger });
  const meter = createUsageMeter({
    store: store.usage,
    read: o.readUsage,
    intervalMs: config.metering.sampleIntervalMs,
    logger,
  });
  const tenantsOf = (tenantId: string) => tenants.quotasOf(tenantId);
  const ledger = createQuotaLedger({
    quotasOf: tenantsOf,
    isLive: (id) => {
      const s = store.getSandbox(id)?.state;
      return s === 'starting' || s === 'running' || s === 'paused';
    },
  });
  const tenants = createTenantService({
    store,
    policy,
    ledger,
    sandboxes: o.sandboxes,
    defaults: config.quotas,
  });

  // Sandboxes this server counts for a tenant (pooled ones belong to no one yet).
  const known = new Set<string>();
  const onLifecycle = (ev: SandboxLifecycleEvent) => {
    const id = ev.sandboxId;
    if (ev.event === 'created' || ev.event === 'adopted') {
      const rec = store.getSandbox(id);
      if (!rec) return;
      known.add(id);
      ledger.track(id, rec.tenantId, rec);
      if (rec.state === 'running') meter.start(id, rec.tenantId);
    } else if (ev.event === 'resumed') {
      meter.start(id, ev.tenantId);
    } else if (ev.event === 'killed') {
      if (!known.delete(id)) return;
      ledger.release(id);
      meter.forget(id);
    }
    const event: AuditEventInput = {
      actor: 'system',
      tenantId: ev.tenantId,
      action: `sandbox.${ev.event.replaceAll('-', '_')}`,
      resource: `sandbox/${id}`,
      result: ev.event === 'start-failed' ? 'failure' : 'success',
      metadata: { message: ev.message, ...ev.fields },
    };
    audit.record(event);
  };
  // 'gone' comes first on kill and pause, while the cgroup can still be read.
  const onGone = (id: string) => meter.stop(id);
  o.sandboxes.on('lifecycle', onLifecycle);
  o.sandboxes.on('gone', onGone);

  return {
    store,
    authenticator,
    policy,
    roles,
    routes: createRouteMatcher(ROUTE_RULES),
    audit,
    meter,
    ledger,
    quotaGate: createSandboxQuotaGate({ ledger, limits: config.sandbox, quotasOf: tenantsOf }),
    tenants,
    keys: createKeyService({ store, policy, roles }),
    users: createUserService({ store, policy, roles }),
    roleAdmin: createRoleService({ store, policy, roles }),
    auditReads: config.audit.reads,
    auditDataPlane: config.audit.dataPlane,
    reconciled() {
      for (const s of store.usage.listStates()) {
        const state = store.getSandbox(s.sandboxId)?.state;
        if (state !== 'running' && state !== 'paused') store.usage.deleteState(s.sandboxId);
      }
    },
    close() {
      o.sandboxes.off('lifecycle', onLifecycle);
      o.sandboxes.off('gone', onGone);
      meter.close();
    },
  };
}
