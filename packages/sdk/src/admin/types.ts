/** Per-tenant limits; a missing limit is unlimited (or the server's default). */
export interface TenantQuotas {
  /** Live (running or paused) sandboxes. */
  maxSandboxes?: number;
  /** Sum of live sandboxes' vCPUs. */
  maxVcpus?: number;
  /** Sum of live sandboxes' memory, MiB. */
  maxMemoryMiB?: number;
  /** Sum of live sandboxes' writable-layer limits, MiB. */
  maxDiskMiB?: number;
  /** Longest a sandbox may live from its start, seconds. */
  maxLifetimeS?: number;
  /** Creates per rolling minute. */
  createsPerMinute?: number;
}

/** A quota change: a number sets a limit, null removes the tenant's own value. */
export type QuotaPatch = { [K in keyof TenantQuotas]?: number | null };

/** What a tenant's live sandboxes hold. */
export interface TenantAllocation {
  sandboxes: number;
  vcpus: number;
  memoryMiB: number;
  diskMiB: number;
}

/** A tenant (E2B's "team"). */
export interface Tenant {
  id: string;
  name: string;
  /** The tenant's own limits. */
  quotas: TenantQuotas;
  /** What applies: own limits over the server's defaults. */
  effectiveQuotas: TenantQuotas;
  allocated: TenantAllocation;
  createdAt: string;
  updatedAt: string | null;
}

/** A tenant's quotas and what it uses of them. */
export interface TenantQuotaState {
  quotas: TenantQuotas;
  effectiveQuotas: TenantQuotas;
  allocated: TenantAllocation;
}

/** An API key (never the secret). */
export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  name: string;
  /** First characters of the key. */
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

/** A newly issued key: the secret is in this answer only. */
export interface IssuedApiKey extends ApiKeyInfo {
  key: string;
}

/** A user of a tenant. */
export interface TenantUser {
  id: string;
  tenantId: string;
  name: string;
  email: string | null;
  /** JWT `sub` or certificate user mapping to this user. */
  subject: string | null;
  role: string;
  createdAt: string;
  disabledAt: string | null;
}

/** A role: built in, from the server's config, or defined by a tenant. */
export interface Role {
  name: string;
  permissions: string[];
  source: 'builtin' | 'config' | 'tenant';
  tenantId?: string;
}

/** One audit event. */
export interface AuditEvent {
  id: string;
  seq: number;
  time: string;
  actor: string;
  tenantId: string;
  action: string;
  resource: string;
  result: string;
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** A page of audit events, newest first. */
export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/** Outcome of the audit chain verification. */
export interface AuditVerification {
  ok: boolean;
  checked: number;
  firstBadId?: string;
  firstBadSeq?: number;
  reason?: string;
  head?: { seq: number; hash: string };
}

/** One row of a usage report. */
export interface UsageRow {
  tenantId: string;
  periodStart: string;
  periodEnd: string;
  cpuSeconds: number;
  memoryMiBSeconds: number;
  sandboxSeconds: number;
  sandboxes: number;
}

/** A usage report. */
export interface UsageReport {
  since: string;
  until: string;
  granularity: 'hour' | 'day' | 'total';
  rows: UsageRow[];
}

/** Who the client's credential is. */
export interface WhoAmI {
  actor: string;
  tenantId: string;
  roles: string[];
  method: 'api-key' | 'jwt' | 'mtls' | 'trusted';
  /** A member of the operator tenant (acts on every tenant). */
  operator: boolean;
  permissions: string[];
  scopes?: string[];
  keyId?: string;
  userId?: string;
  subject?: string;
}
