export type { AuditRow, AuditStore, AuditStoreQuery } from './audit-store.js';
export type { IdentityStore, KeyRecord, UserRecord } from './identity-store.js';
export {
  DEFAULT_TENANT_ID,
  openStore,
  type SandboxListQuery,
  type Store,
  type StoreOptions,
} from './sqlite-store.js';
export type { TemplateOwnerRecord, TemplateOwnerStore } from './template-owner-store.js';
export type { TenantDetail, TenantQuotas, TenantStore } from './tenant-store.js';
export type {
  NetworkMode,
  QosClass,
  SandboxRecord,
  SandboxState,
} from './types.js';
export type { MeterState, UsageDelta, UsageStore, UsageTotal } from './usage-store.js';
