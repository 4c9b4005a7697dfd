import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { Identity } from '../auth/index.js';
import { createRouteMatcher, type RouteMatcher, type RouteRule, unruledRoutes } from '../authz/index.js';
import type { TemplateBuilds } from '../build/index.js';
import { SoulBoxError, toSoulBoxError } from '../errors/index.js';
import type { Governance } from '../governance.js';
import type { SandboxLogs } from '../logs/index.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import type { Store } from '../store/index.js';
import type { TemplateCatalog } from '../template/index.js';
import type { Logger } from '../util/logger.js';
import { createAdminRoutes } from './admin-routes.js';
import type { ApiEnv } from './api-env.js';
import { bodyLimits } from './body-limits.js';
import { governanceMiddleware } from './governance-middleware.js';
import { errorBody } from './http-helpers.js';
import { createLogRoutes } from './log-routes.js';
import { createSandboxRoutes, type SandboxCreatePolicy } from './sandbox-routes.js';
import { createTemplateRoutes } from './template-routes.js';

/** Dependencies of the REST API. */
export interface ApiDeps {
  store: Store;
  sandboxes: SandboxManager;
  /** Template names and owners (resolution for sandbox creates, the template routes). */
  catalog: TemplateCatalog;
  logger: Logger;
  metrics: ServerMetrics;
  /** Authentication, authorisation, quotas, audit (every request passes through it). */
  governance: Governance;
  /**
   * Benchmarks only: skip authentication, authorisation and audit, acting as this identity.
   * Not reachable from the config or from a request; `startServer` never sets it.
   */
  unauthenticatedAs?: Identity;
  logs: SandboxLogs;
  builds: TemplateBuilds;
  /** What creates may ask for (`sandbox.allowInsecure`, `sandbox.defaultAllowPublicTraffic`). */
  createPolicy?: SandboxCreatePolicy;
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
    // A refused request whose body was not read to the end (too large, unauthenticated, ...):
    // close the connection after the answer instead of reading the rest only to drop it.
    if (c.res.status >= 400 && c.env?.incoming && !c.env.incoming.complete) c.header('Connection', 'close');
    // The matched route pattern, never the raw path: ids would explode the label set.
    d.metrics.observeRequest(c.req.method, c.req.routePath, c.res.status, (performance.now() - t0) / 1000);
  });

  app.get('/health', (c) => c.json({ status: 'ok' }));

  // Routes the app serves that no rule covers are refused; computed once all are registered.
  let unruled: RouteMatcher | undefined;
  const unruledMatcher = () =>
    (unruled ??= createRouteMatcher(
      unruledRoutes(app.routes, d.governance.routes).map((r) => ({ ...r, permission: null }) as RouteRule),
    ));
  const trusted = d.unauthenticatedAs;
  app.use(
    '*',
    trusted
      ? async (c, next) => {
          c.set('identity', trusted);
          await next();
        }
      : governanceMiddleware({ governance: d.governance, unruled: unruledMatcher, logger: d.logger }),
  );

  // After authentication, so that only callers the API knows make it read any body.
  app.use('*', bodyLimits());

  app.get('/metrics', async (c) => {
    c.header('Content-Type', d.metrics.registry.contentType);
    return c.body(await d.metrics.registry.metrics());
  });
  app.route(
    '/',
    createSandboxRoutes({
      sandboxes: d.sandboxes,
      catalog: d.catalog,
      quotas: d.governance.quotaGate,
      policy: d.createPolicy,
    }),
  );
  app.route('/admin', createAdminRoutes(d.governance));
  app.route('/', createLogRoutes({ sandboxes: d.sandboxes, logs: d.logs }));
  app.route('/', createTemplateRoutes({ builds: d.builds, catalog: d.catalog }));
  const missing = unruledRoutes(app.routes, d.governance.routes);
  if (missing.length) d.logger.warn('routes without a permission rule are refused', { routes: missing });
  return app;
}
