export {
  createKeyService,
  type IssueKeyInput,
  type KeyService,
  type KeyView,
  toKeyView,
} from './key-service.js';
export {
  createQuotaLedger,
  type QuotaHold,
  type QuotaLedger,
  type QuotaLedgerOptions,
  type QuotaShare,
} from './quota-ledger.js';
export {
  effectiveQuotas,
  patchQuotas,
  QUOTA_KEYS,
  type QuotaKey,
  quotaExceeded,
  type TenantAllocation,
} from './quotas.js';
export { createRoleService, type RoleService } from './role-service.js';
export { createSandboxQuotaGate, type SandboxQuotaGate } from './sandbox-quota-gate.js';
export {
  createTenantService,
  type TenantSandboxes,
  type TenantService,
  type TenantView,
} from './tenant-service.js';
export {
  type CreateUserInput,
  createUserService,
  type UpdateUserInput,
  type UserService,
} from './user-service.js';
