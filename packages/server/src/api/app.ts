import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { authenticateApiKey } from '../auth/index.js';
import { SoulBoxError, toSoulBoxError } from '../errors/index.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import type { Store } from '../store/index.js';
import type { TemplateStore } from '../template/index.js';
import type { Logger } from '../util/logger.js';
import type { ApiEnv } from './api-env.js';
import { errorBody } from './http-helpers.js';
import { createSandboxRoutes } from './sandbox-routes.js';

/** Dependencies of the REST API. */
export interface ApiDeps {
  store: Store;
  sandboxes: SandboxManager;
  templates: TemplateStore;
  logger: Logger;
  metrics: ServerMetrics;
}

/** The control-plane REST API (E2B-compatible). */
export function createApi(d: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.onError((err, c) => {
    const e = toSoulBoxError(err);
    d.metrics.countError(e.code);
    const log = { requestId: c.var.requestId, method: c.req.method, path: c.req.path, code: e.code };
    if (e.status >= 500) d.logger.error('request failed', { ...log, err: e.cause ?? e });
    else d.logger.debug('request refused', { ...log, message: e.message });
    return c.json(errorBody(e), e.status as 400);
  });
  app.notFound((c) =>
    c.json(errorBody(new SoulBoxError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`)), 404),
  );

  app.use('*', async (c, next) => {
    const t0 = performance.now();
    c.set('requestId', c.req.header('x-request-id') ?? randomUUID());
    await next();
    c.header('X-Request-Id', c.var.requestId);
    // The matched route pattern, never the raw path: ids would explode the label set.
    d.metrics.observeRequest(c.req.method, c.req.routePath, c.res.status, (performance.now() - t0) / 1000);
  });

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.use('*', async (c, next) => {
    c.set('identity', authenticateApiKey(d.store, c.req.header('x-api-key')));
    await next();
  });

  app.get('/metrics', async (c) => {
    c.header('Content-Type', d.metrics.registry.contentType);
    return c.body(await d.metrics.registry.metrics());
  });
  app.route('/', createSandboxRoutes({ sandboxes: d.sandboxes, templates: d.templates }));
  return app;
}
