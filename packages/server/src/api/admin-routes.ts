import { Hono } from 'hono';
import { sortedPermissions } from '../authz/index.js';
import type { Governance } from '../governance.js';
import { createAdminAuditRoutes } from './admin-audit.js';
import { createAdminKeyRoutes } from './admin-keys.js';
import { createAdminRoleRoutes } from './admin-roles.js';
import { createAdminTenantRoutes } from './admin-tenants.js';
import { createAdminUsageRoutes } from './admin-usage.js';
import { createAdminUserRoutes } from './admin-users.js';
import type { ApiEnv } from './api-env.js';

/** The admin API under `/admin` (docs/api.md). Thin: validate, call the area, map. */
export function createAdminRoutes(g: Governance): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/whoami', (c) => {
    const id = c.var.identity;
    return c.json({
      actor: id.actor,
      tenantId: id.tenantId,
      roles: id.roles,
      method: id.method,
      operator: g.policy.isOperator(id),
      permissions: sortedPermissions(id.permissions),
      ...(id.scopes ? { scopes: id.scopes } : {}),
      ...(id.keyId ? { keyId: id.keyId } : {}),
      ...(id.userId ? { userId: id.userId } : {}),
      ...(id.subject ? { subject: id.subject } : {}),
    });
  });
  app.route('/', createAdminTenantRoutes(g));
  app.route('/', createAdminKeyRoutes(g));
  app.route('/', createAdminUserRoutes(g));
  app.route('/', createAdminRoleRoutes(g));
  app.route('/', createAdminAuditRoutes(g));
  app.route('/', createAdminUsageRoutes(g));
  return app;
}
