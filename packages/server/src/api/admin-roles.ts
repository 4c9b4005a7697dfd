import { Hono } from 'hono';
import type { Governance } from '../governance.js';
import { createRoleSchema } from './admin-schemas.js';
import type { ApiEnv } from './api-env.js';
import { readJson } from './http-helpers.js';

/** Roles: built-in and configured ones everywhere, plus each tenant's own. */
export function createAdminRoleRoutes(g: Governance): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/roles', (c) => c.json({ roles: g.roleAdmin.listGlobal() }));
  app.get('/tenants/:tenantId/roles', (c) =>
    c.json({ roles: g.roleAdmin.list(c.var.identity, c.req.param('tenantId')) }),
  );
  app.post('/tenants/:tenantId/roles', async (c) => {
    const body = await readJson(c, createRoleSchema);
    return c.json(g.roleAdmin.define(c.var.identity, c.req.param('tenantId'), body), 201);
  });
  app.delete('/tenants/:tenantId/roles/:name', (c) => {
    g.roleAdmin.remove(c.var.identity, c.req.param('tenantId'), c.req.param('name'));
    return c.body(null, 204);
  });
  return app;
}
