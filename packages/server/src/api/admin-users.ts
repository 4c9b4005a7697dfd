import { Hono } from 'hono';
import type { Governance } from '../governance.js';
import { createUserSchema, patchUserSchema } from './admin-schemas.js';
import type { ApiEnv } from './api-env.js';
import { readJson } from './http-helpers.js';

/** Users of a tenant. */
export function createAdminUserRoutes(g: Governance): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.post('/tenants/:tenantId/users', async (c) => {
    const body = await readJson(c, createUserSchema);
    return c.json(g.users.create(c.var.identity, c.req.param('tenantId'), body), 201);
  });
  app.get('/tenants/:tenantId/users', (c) =>
    c.json({ users: g.users.list(c.var.identity, c.req.param('tenantId')) }),
  );
  app.get('/users/:userId', (c) => c.json(g.users.get(c.var.identity, c.req.param('userId'))));
  app.patch('/users/:userId', async (c) => {
    const body = await readJson(c, patchUserSchema);
    return c.json(g.users.update(c.var.identity, c.req.param('userId'), body));
  });
  app.delete('/users/:userId', (c) => {
    g.users.remove(c.var.identity, c.req.param('userId'));
    return c.body(null, 204);
  });
  return app;
}
