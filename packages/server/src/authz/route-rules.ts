import type { Permission } from './permissions.js';

/**
 * What one REST route requires. Every route the API serves must have a rule: routes without
 * one are refused (see `createRouteAuthorizer`), and a unit test lists the API's routes
 * against this table.
 */
export interface RouteRule {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Hono-style pattern: `/sandboxes/:id`; a trailing `/*` matches any rest. */
  path: string;
  /** null = any authenticated caller. */
  permission: Permission | null;
  /** Audit action of a mutating route, e.g. `sandbox.kill`. */
  action?: string;
  /** Audit resource: `<type>/<param>`; with no param, just the type. */
  resource?: { type: string; param?: string };
  /** Only members of the operator tenant (server-wide data, e.g. Prometheus metrics). */
  operatorOnly?: boolean;
}

const sandbox = () => ({ type: 'sandbox', param: 'id' });

/** The REST API's authorisation table. Admin routes check tenant scope in their handlers too. */
export const ROUTE_RULES: readonly RouteRule[] = [
  // Answered before authentication; listed so that every route has a rule.
  { method: 'GET', path: '/health', permission: null },
  // E2B-compatible sandbox API.
  {
    method: 'POST',
    path: '/sandboxes',
    permission: 'sandbox:create',
    action: 'sandbox.create',
    resource: { type: 'sandbox' },
  },
  {
    method: 'POST',
    path: '/v2/sandboxes',
    permission: 'sandbox:create',
    action: 'sandbox.create',
    resource: { type: 'sandbox' },
  },
  { method: 'GET', path: '/sandboxes', permission: 'sandbox:read' },
  { method: 'GET', path: '/v2/sandboxes', permission: 'sandbox:read' },
  { method: 'GET', path: '/sandboxes/:id', permission: 'sandbox:read' },
  { method: 'GET', path: '/v2/sandboxes/:id', permission: 'sandbox:read' },
  {
    method: 'DELETE',
    path: '/sandboxes/:id',
    permission: 'sandbox:delete',
    action: 'sandbox.kill',
    resource: sandbox(),
  },
  {
    method: 'POST',
    path: '/sandboxes/:id/timeout',
    permission: 'sandbox:update',
    action: 'sandbox.set_timeout',
    resource: sandbox(),
  },
  {
    method: 'POST',
    path: '/sandboxes/:id/pause',
    permission: 'sandbox:update',
    action: 'sandbox.pause',
    resource: sandbox(),
  },
  {
    method: 'POST',
    path: '/sandboxes/:id/connect',
    permission: 'sandbox:connect',
    action: 'sandbox.connect',
    resource: sandbox(),
  },
  {
    method: 'POST',
    path: '/v2/sandboxes/:id/connect',
    permission: 'sandbox:connect',
    action: 'sandbox.connect',
    resource: sandbox(),
  },
  {
    method: 'POST',
    path: '/sandboxes/:id/resume',
    permission: 'sandbox:connect',
    action: 'sandbox.resume',
    resource: sandbox(),
  },
  {
    method: 'POST',
    path: '/sandboxes/:id/refreshes',
    permission: 'sandbox:update',
    action: 'sandbox.refresh',
    resource: sandbox(),
  },
  { method: 'GET', path: '/sandboxes/:id/metrics', permission: 'sandbox:read' },
  { method: 'GET', path: '/sandboxes/:id/logs', permission: 'sandbox:read' },
  { method: 'GET', path: '/v2/sandboxes/:id/logs', permission: 'sandbox:read' },
  { method: 'GET', path: '/sandboxes/:id/*', permission: 'sandbox:read' },
  { method: 'GET', path: '/v2/sandboxes/:id/*', permission: 'sandbox:read' },
  // Templates (E2B's and SoulBox's build API): any path below, by method.
  ...(['/templates', '/v2/templates', '/v3/templates'] as const).flatMap((base): RouteRule[] =>
    [base, `${base}/*`].flatMap((path): RouteRule[] => [
      { method: 'GET', path, permission: 'template:read' },
      {
        method: 'POST',
        path,
        permission: 'template:create',
        action: 'template.create',
        resource: { type: 'template' },
      },
      {
        method: 'PUT',
        path,
        permission: 'template:update',
        action: 'template.update',
        resource: { type: 'template' },
      },
      {
        method: 'PATCH',
        path,
        permission: 'template:update',
        action: 'template.update',
        resource: { type: 'template' },
      },
      {
        method: 'DELETE',
        path,
        permission: 'template:delete',
        action: 'template.delete',
        resource: { type: 'template' },
      },
    ]),
  ),
  // Server-wide Prometheus metrics.
  { method: 'GET', path: '/metrics', permission: 'tenant:read', operatorOnly: true },
  // Admin API (tenant scope is checked in the handlers).
  { method: 'GET', path: '/admin/whoami', permission: null },
  {
    method: 'POST',
    path: '/admin/tenants',
    permission: 'tenant:create',
    action: 'tenant.create',
    resource: { type: 'tenant' },
  },
  { method: 'GET', path: '/admin/tenants', permission: 'tenant:read' },
  { method: 'GET', path: '/admin/tenants/:tenantId', permission: 'tenant:read' },
  {
    method: 'PATCH',
    path: '/admin/tenants/:tenantId',
    permission: 'tenant:update',
    action: 'tenant.update',
    resource: { type: 'tenant', param: 'tenantId' },
  },
  {
    method: 'DELETE',
    path: '/admin/tenants/:tenantId',
    permission: 'tenant:delete',
    action: 'tenant.delete',
    resource: { type: 'tenant', param: 'tenantId' },
  },
  { method: 'GET', path: '/admin/tenants/:tenantId/quotas', permission: 'tenant:read' },
  {
    method: 'PUT',
    path: '/admin/tenants/:tenantId/quotas',
    permission: 'tenant:update',
    action: 'tenant.set_quotas',
    resource: { type: 'tenant', param: 'tenantId' },
  },
  {
    method: 'POST',
    path: '/admin/tenants/:tenantId/keys',
    permission: 'key:create',
    action: 'key.create',
    resource: { type: 'key' },
  },
  { method: 'GET', path: '/admin/tenants/:tenantId/keys', permission: 'key:read' },
  { method: 'GET', path: '/admin/keys/:keyId', permission: 'key:read' },
  {
    method: 'DELETE',
    path: '/admin/keys/:keyId',
    permission: 'key:delete',
    action: 'key.revoke',
    resource: { type: 'key', param: 'keyId' },
  },
  {
    method: 'POST',
    path: '/admin/tenants/:tenantId/users',
    permission: 'tenant:update',
    action: 'user.create',
    resource: { type: 'user' },
  },
  { method: 'GET', path: '/admin/tenants/:tenantId/users', permission: 'tenant:read' },
  { method: 'GET', path: '/admin/users/:userId', permission: 'tenant:read' },
  {
    method: 'PATCH',
    path: '/admin/users/:userId',
    permission: 'tenant:update',
    action: 'user.update',
    resource: { type: 'user', param: 'userId' },
  },
  {
    method: 'DELETE',
    path: '/admin/users/:userId',
    permission: 'tenant:update',
    action: 'user.delete',
    resource: { type: 'user', param: 'userId' },
  },
  { method: 'GET', path: '/admin/roles', permission: 'tenant:read' },
  { method: 'GET', path: '/admin/tenants/:tenantId/roles', permission: 'tenant:read' },
  {
    method: 'POST',
    path: '/admin/tenants/:tenantId/roles',
    permission: 'tenant:update',
    action: 'role.create',
    resource: { type: 'role' },
  },
  {
    method: 'DELETE',
    path: '/admin/tenants/:tenantId/roles/:name',
    permission: 'tenant:update',
    action: 'role.delete',
    resource: { type: 'role', param: 'name' },
  },
  { method: 'GET', path: '/admin/audit', permission: 'audit:read' },
  { method: 'GET', path: '/admin/audit/verify', permission: 'audit:read', operatorOnly: true },
  { method: 'GET', path: '/admin/audit/export', permission: 'audit:read' },
  { method: 'GET', path: '/admin/usage', permission: 'tenant:read' },
];
