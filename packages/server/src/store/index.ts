export {
  DEFAULT_TENANT_ID,
  openStore,
  type SandboxListQuery,
  type Store,
  type StoreOptions,
} from './sqlite-store.js';
export type {
  ApiKeyRecord,
  NetworkMode,
  QosClass,
  SandboxRecord,
  SandboxState,
  TenantRecord,
} from './types.js';
