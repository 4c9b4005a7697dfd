import { Hono } from 'hono';
import type { Governance } from '../governance.js';
import { issueKeySchema } from './admin-schemas.js';
import type { ApiEnv } from './api-env.js';
import { readJson } from './http-helpers.js';

/** API keys: issue (the secret is in this answer only), list, inspect, revoke. */
export function createAdminKeyRoutes(g: Governance): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.post('/tenants/:tenantId/keys', async (c) => {
    const body = await readJson(c, issueKeySchema);
    const { key, view } = g.keys.issue(c.var.identity, c.req.param('tenantId'), body);
    return c.json({ ...view, key }, 201);
  });
  app.get('/tenants/:tenantId/keys', (c) =>
    c.json({ keys: g.keys.list(c.var.identity, c.req.param('tenantId')) }),
  );
  app.get('/keys/:keyId', (c) => c.json(g.keys.get(c.var.identity, c.req.param('keyId'))));
  app.delete('/keys/:keyId', (c) => {
    g.keys.revoke(c.var.identity, c.req.param('keyId'));
    return c.body(null, 204);
  });
  return app;
}
