import { Hono } from 'hono';
import { SoulBoxError } from '../errors/index.js';
import type { Governance } from '../governance.js';
import { type UsageGranularity, usageCsv, usageReport } from '../metering/index.js';
import { parseTime } from './admin-schemas.js';
import { scopedTenant } from './admin-scope.js';
import type { ApiEnv } from './api-env.js';

const GRANULARITIES: readonly UsageGranularity[] = ['hour', 'day', 'total'];

/** Usage per tenant and period, JSON or CSV (what billing is built on). */
export function createAdminUsageRoutes(g: Governance): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/usage', (c) => {
    const tenantId = scopedTenant(g, c.var.identity, c.req.query('tenant') || undefined);
    const format = c.req.query('format') ?? 'json';
    if (format !== 'json' && format !== 'csv')
      throw new SoulBoxError('INVALID_ARGUMENT', "format must be 'json' or 'csv'");
    const granularity = (c.req.query('granularity') ?? 'day') as UsageGranularity;
    if (!GRANULARITIES.includes(granularity))
      throw new SoulBoxError('INVALID_ARGUMENT', `granularity must be one of ${GRANULARITIES.join(', ')}`);
    const now = new Date();
    const until = parseTime('until', c.req.query('until')) ?? now.toISOString();
    const since =
      parseTime('since', c.req.query('since')) ??
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    // Running sandboxes' usage up to this moment, not up to the last sample.
    g.meter.flush();
    const report = usageReport(g.store.usage, {
      ...(tenantId === undefined ? {} : { tenantId }),
      since: new Date(since),
      until: new Date(until),
      granularity,
    });
    if (format === 'csv') {
      c.header('Content-Type', 'text/csv; charset=utf-8');
      c.header('Content-Disposition', 'attachment; filename="usage.csv"');
      return c.body(usageCsv(report));
    }
    return c.json(report);
  });
  return app;
}
