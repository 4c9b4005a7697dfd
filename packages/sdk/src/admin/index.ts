export { Admin } from './admin.js';
export { AdminAudit, type AuditFilters } from './audit.js';
export { AdminKeys, type IssueKeyOptions } from './keys.js';
export { AdminRoles } from './roles.js';
export { AdminTenants } from './tenants.js';
export type {
  ApiKeyInfo,
  AuditEvent,
  AuditPage,
  AuditVerification,
  IssuedApiKey,
  QuotaPatch,
  Role,
  Tenant,
  TenantAllocation,
  TenantQuotaState,
  TenantQuotas,
  TenantUser,
  UsageReport,
  UsageRow,
  WhoAmI,
} from './types.js';
export { AdminUsage, type UsageOptions } from './usage.js';
export { AdminUsers } from './users.js';
