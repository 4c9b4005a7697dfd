import { Hono } from 'hono';
import type { Governance } from '../governance.js';
import { createTenantSchema, patchTenantSchema, putQuotasSchema } from './admin-schemas.js';
import type { ApiEnv } from './api-env.js';
import { readJson } from './http-helpers.js';

/** `/admin/tenants` and their quotas. */
export function createAdminTenantRoutes(g: Governance): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.post('/tenants', async (c) => {
    const body = await readJson(c, createTenantSchema);
    return c.json(g.tenants.create(c.var.identity, body), 201);
  });
  app.get('/tenants', (c) => c.json({ tenants: g.tenants.list(c.var.identity) }));
  app.get('/tenants/:tenantId', (c) => c.json(g.tenants.get(c.var.identity, c.req.param('tenantId'))));
  app.patch('/tenants/:tenantId', async (c) => {
    const body = await readJson(c, patchTenantSchema);
    return c.json(g.tenants.update(c.var.identity, c.req.param('tenantId'), body));
  });
  app.delete('/tenants/:tenantId', async (c) => {
    await g.tenants.remove(c.var.identity, c.req.param('tenantId'), {
      force: c.req.query('force') === 'true',
    });
    return c.body(null, 204);
  });
  app.get('/tenants/:tenantId/quotas', (c) => {
    const t = g.tenants.get(c.var.identity, c.req.param('tenantId'));
    return c.json({ quotas: t.quotas, effectiveQuotas: t.effectiveQuotas, allocated: t.allocated });
  });
  app.put('/tenants/:tenantId/quotas', async (c) => {
    const body = await readJson(c, putQuotasSchema);
    const t = g.tenants.setQuotas(c.var.identity, c.req.param('tenantId'), body);
    return c.json({ quotas: t.quotas, effectiveQuotas: t.effectiveQuotas, allocated: t.allocated });
  });
  return app;
}
