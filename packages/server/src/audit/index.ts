export {
  type ChainVerification,
  canonicalJson,
  GENESIS_HASH,
  hashAuditRow,
  verifyChain,
} from './audit-chain.js';
export { AUDIT_CSV_COLUMNS, type AuditEvent, csvField, toAuditEvent } from './audit-format.js';
export {
  type AuditEventInput,
  type AuditExportFormat,
  type AuditFilters,
  type AuditLog,
  type AuditPage,
  createAuditLog,
  MAX_AUDIT_PAGE,
} from './audit-log.js';
