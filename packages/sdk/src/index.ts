/**
 * @soulbox/sdk: typed client for SoulBox's API (E2B-compatible REST and envd data plane,
 * plus SoulBox's logs and template builds).
 */

export {
  Admin,
  AdminAudit,
  AdminKeys,
  AdminRoles,
  AdminTenants,
  AdminUsage,
  AdminUsers,
  type ApiKeyInfo,
  type AuditEvent,
  type AuditFilters,
  type AuditPage,
  type AuditVerification,
  type IssuedApiKey,
  type IssueKeyOptions,
  type QuotaPatch,
  type Role,
  type Tenant,
  type TenantAllocation,
  type TenantQuotaState,
  type TenantQuotas,
  type TenantUser,
  type UsageOptions,
  type UsageReport,
  type UsageRow,
  type WhoAmI,
} from './admin/index.js';
export { type ApiClient, createApiClient, type RequestOptions } from './api-client.js';
export { SoulBox } from './client.js';
export {
  type CommandHandle,
  type CommandLine,
  type CommandOptions,
  type CommandResult,
  Commands,
} from './commands/commands.js';
export { Pty, type PtyHandle, type PtyOptions } from './commands/pty.js';
export { type Connection, type ConnectionOptions, resolveConnection } from './connection.js';
export { ENVD_PORT } from './envd/envd-connection.js';
export { SoulBoxClientError, type SoulBoxErrorKind } from './errors.js';
export { type CopyOptions, type CopyProgress, downloadPath, uploadPath } from './files/copy.js';
export { type EntryInfo, type FileOptions, Files } from './files/files.js';
export { type FollowLogsOptions, SandboxLogsApi } from './logs/logs.js';
export { parseSse, type SseEvent } from './logs/sse.js';
export { Sandbox } from './sandbox/sandbox.js';
export { type CreateSandboxOptions, type ListSandboxesOptions, Sandboxes } from './sandbox/sandboxes.js';
export { type ContextFiles, contextDigest, contextFiles } from './templates/build-context.js';
export {
  type DockerfileBase,
  type DockerfileStep,
  type ParsedDockerfile,
  parseDockerfile,
  SUPPORTED_INSTRUCTIONS,
  shellWords,
} from './templates/dockerfile.js';
export { type BuildResult, type BuildTemplateOptions, Templates } from './templates/templates.js';
export type {
  BuildLogEntry,
  BuildStatusWire,
  LogEntry,
  SandboxInfo,
  SandboxWire,
  TemplateInfo,
  TemplateStep,
} from './wire-types.js';
