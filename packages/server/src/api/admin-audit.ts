import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AuditFilters } from '../audit/index.js';
import { SoulBoxError } from '../errors/index.js';
import type { Governance } from '../governance.js';
import { parseIntParam, parseTime } from './admin-schemas.js';
import { scopedTenant } from './admin-scope.js';
import type { ApiEnv } from './api-env.js';

function filtersOf(g: Governance, c: Context<ApiEnv>): AuditFilters {
  const q = (n: string) => c.req.query(n) || undefined;
  const tenantId = scopedTenant(g, c.var.identity, q('tenant'));
  const since = parseTime('since', q('since'));
  const until = parseTime('until', q('until'));
  const f: AuditFilters = {};
  if (tenantId !== undefined) f.tenantId = tenantId;
  for (const [key, param] of [
    ['actor', 'actor'],
    ['action', 'action'],
    ['resource', 'resource'],
    ['result', 'result'],
  ] as const) {
    const v = q(param);
    if (v !== undefined) f[key] = v;
  }
  if (since !== undefined) f.since = since;
  if (until !== undefined) f.until = until;
  return f;
}

/** The audit log: query with filters and paging, verify the chain, export. */
export function createAdminAuditRoutes(g: Governance): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/audit', (c) => {
    const page = g.audit.query({
      ...filtersOf(g, c),
      limit: parseIntParam('limit', c.req.query('limit')) ?? 100,
      cursor: c.req.query('cursor') || undefined,
    });
    return c.json(page);
  });
  app.get('/audit/verify', (c) => c.json(g.audit.verify()));
  app.get('/audit/export', (c) => {
    const format = c.req.query('format') ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv')
      throw new SoulBoxError('INVALID_ARGUMENT', "format must be 'jsonl' or 'csv'");
    const chunks = g.audit.export(filtersOf(g, c), format);
    const enc = new TextEncoder();
    // Pulled page by page: a large log streams without being held in memory.
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        const next = chunks.next();
        if (next.done) ctrl.close();
        else ctrl.enqueue(enc.encode(next.value));
      },
    });
    const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson';
    c.header('Content-Type', type);
    c.header('Content-Disposition', `attachment; filename="audit.${format}"`);
    return c.body(stream);
  });
  return app;
}
