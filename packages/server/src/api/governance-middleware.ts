import type { Context, MiddlewareHandler } from 'hono';
import type { AuditEventInput } from '../audit/index.js';
import { type AuthFailureDetails, credentialsOf, type Identity, transportOf } from '../auth/index.js';
import type { RouteMatch, RouteMatcher } from '../authz/index.js';
import { isSoulBoxError, SoulBoxError, toSoulBoxError } from '../errors/index.js';
import type { Governance } from '../governance.js';
import type { Logger } from '../util/logger.js';
import type { ApiEnv } from './api-env.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Options of {@link governanceMiddleware}. */
export interface GovernanceMiddlewareOptions {
  governance: Governance;
  /** Routes the app serves that no rule covers: refused (see `unruledRoutes`). */
  unruled: () => RouteMatcher;
  logger: Logger;
}

function requestContext(c: Context<ApiEnv>) {
  return {
    sourceIp: c.env?.incoming?.socket.remoteAddress ?? null,
    userAgent: c.req.header('user-agent') ?? null,
    requestId: c.var.requestId ?? null,
  };
}

/** `sandbox/<id>` from the rule and the path, or from a created resource's answer. */
async function resourceOf(c: Context<ApiEnv>, match: RouteMatch | undefined): Promise<string> {
  const spec = match?.rule.resource;
  if (!spec) return c.req.path;
  if (spec.param) return `${spec.type}/${match.params[spec.param] ?? ''}`;
  // A create: the new id is in the answer (sandboxID, id or name).
  if (c.res.status === 201 && c.res.headers.get('content-type')?.includes('application/json')) {
    try {
      const body = (await c.res.clone().json()) as Record<string, unknown>;
      const id = body.sandboxID ?? body.id ?? body.name;
      if (typeof id === 'string') return `${spec.type}/${id}`;
    } catch {
      // Not JSON after all: the type alone will do.
    }
  }
  return spec.type;
}

/**
 * The API edge: authenticates every request (mTLS, API key, bearer token), authorises it by
 * the route table and tenant scope, and writes the audit event of every mutating request,
 * auth failure and refusal. One place, for every route.
 */
export function governanceMiddleware(o: GovernanceMiddlewareOptions): MiddlewareHandler<ApiEnv> {
  const g = o.governance;
  const record = (c: Context<ApiEnv>, e: Omit<AuditEventInput, 'sourceIp' | 'userAgent' | 'requestId'>) =>
    g.audit.record({ ...e, ...requestContext(c) });

  const deny = (
    c: Context<ApiEnv>,
    id: Identity,
    why: string,
    metadata: Record<string, unknown> = {},
  ): never => {
    record(c, {
      actor: id.actor,
      tenantId: id.tenantId,
      action: 'authz.denied',
      resource: c.req.path,
      result: 'denied',
      metadata: { method: c.req.method, path: c.req.path, reason: why, ...metadata },
    });
    throw new SoulBoxError('FORBIDDEN', why);
  };

  return async (c, next) => {
    const method = c.req.method;
    const path = c.req.path;
    const match = g.routes(method, path);
    let identity: Identity;
    try {
      identity = await g.authenticator.authenticate(
        credentialsOf((n) => c.req.header(n), transportOf(c.env?.incoming?.socket)),
      );
    } catch (err) {
      const e = toSoulBoxError(err);
      const failures = (e.details?.failures ?? []) as AuthFailureDetails[];
      record(c, {
        actor: failures[0]?.hint ? `unverified:${failures[0].hint}` : 'anonymous',
        tenantId: failures.find((f) => f.tenantId)?.tenantId ?? g.policy.operatorTenant,
        action: 'auth.failure',
        resource: path,
        result: 'failure',
        metadata: { method, path, failures },
      });
      o.logger.info('authentication failed', { requestId: c.var.requestId, path, failures });
      throw e;
    }
    c.set('identity', identity);

    if (!match) {
      if (o.unruled()(method, path)) deny(c, identity, `route ${method} ${path} has no permission rule`);
    } else {
      const p = match.rule.permission;
      if (p && !identity.permissions.has(p))
        deny(c, identity, `this credential lacks the permission ${p}`, { permission: p });
      if (match.rule.operatorOnly && !g.policy.isOperator(identity))
        deny(c, identity, 'only operators (members of the operator tenant) may do this');
    }

    await next();

    const status = c.res.status;
    const err = c.error;
    if (isSoulBoxError(err, 'QUOTA_EXCEEDED') && typeof err.details?.retryAfterS === 'number')
      c.res.headers.set('Retry-After', String(err.details.retryAfterS));
    if (!MUTATING.has(method) && !g.auditReads) return;
    const resource = await resourceOf(c, match);
    const errorCode = err ? toSoulBoxError(err).code : undefined;
    record(c, {
      actor: identity.actor,
      tenantId:
        match?.params.tenantId ??
        (match?.rule.resource?.type === 'tenant' && resource.startsWith('tenant/')
          ? resource.slice('tenant/'.length)
          : identity.tenantId),
      action: match?.rule.action ?? `http.${method.toLowerCase()}`,
      resource,
      result: status < 400 ? 'success' : status === 404 ? 'not_found' : status === 403 ? 'denied' : 'failure',
      metadata: {
        method,
        path,
        status,
        ...(errorCode ? { errorCode } : {}),
        ...(identity.tenantId !== (match?.params.tenantId ?? identity.tenantId)
          ? { actorTenant: identity.tenantId }
          : {}),
      },
    });
  };
}
