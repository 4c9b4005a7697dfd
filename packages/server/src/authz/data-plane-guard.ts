import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { AuditLog } from '../audit/index.js';
import {
  type Authenticator,
  type Credentials,
  credentialsOf,
  hasCredentials,
  type Identity,
  transportOf,
} from '../auth/index.js';
import { safeEqual } from '../dataplane/signature.js';
import type { SoulBoxError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import { dataPlaneRule } from './data-plane-rules.js';

/** The parts of a data-plane request the guard reads. */
export interface GuardedRequest {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  socket: Socket;
}

/** The sandbox a request is for. */
export interface GuardedSandbox {
  id: string;
  tenantId: string;
  accessToken: string | null;
}

/**
 * Go on, or answer with this status and body. `soulboxBearer`: the request's bearer token is
 * SoulBox's (the data plane removes it before anything reaches the sandbox).
 */
export type GuardVerdict =
  | { ok: true; soulboxBearer: boolean }
  | { ok: false; status: number; body: unknown };

/**
 * Authorisation of data-plane requests on top of envd's own token check (which the data
 * plane keeps doing, as E2B does). Synchronous unless credentials must be verified.
 */
export interface DataPlaneGuard {
  check(req: GuardedRequest, sandbox: GuardedSandbox, port: number): GuardVerdict | Promise<GuardVerdict>;
}

/** envd's port, as E2B numbers it. */
const ENVD_PORT = 49983;

/**
 * Creates the guard:
 * - an envd access token of one sandbox never reaches another: it is answered exactly like
 *   a sandbox that does not exist;
 * - a request that also carries credentials (API key, bearer token, client certificate) is
 *   authenticated; another tenant's sandbox is "not found" and the route's permission
 *   (file read/write, exec, port connect) is checked, as on the REST API;
 * - changes (process starts and signals, file writes, moves, removals) are audited.
 *
 * On ports other than envd's, a bearer token counts as a credential only when it is SoulBox's
 * ({@link Authenticator.ownsBearer}); any other is the app's own and passes through.
 */
export function createDataPlaneGuard(o: {
  store: Store;
  authenticator: Authenticator;
  audit: AuditLog;
  /** Audit data-plane changes. */
  auditChanges: boolean;
  /** On TLS, a client certificate is required (mirrors `tls.requireClientCert`). */
  requireClientCert: boolean;
  logger: Logger;
}): DataPlaneGuard {
  const notFound = (id: string): GuardVerdict => ({
    ok: false,
    status: 502,
    body: { sandboxId: id, message: 'The sandbox was not found', code: 502 },
  });
  const header = (h: IncomingHttpHeaders, name: string) => {
    const v = h[name];
    return typeof v === 'string' ? v : undefined;
  };

  return {
    check(req, sbx, port) {
      const method = req.method ?? 'GET';
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const pathname = url.pathname;
      const rule = dataPlaneRule(port, method, pathname);
      const base = {
        resource: `sandbox/${sbx.id}`,
        sourceIp: req.socket.remoteAddress ?? null,
        userAgent: header(req.headers, 'user-agent') ?? null,
        requestId: header(req.headers, 'x-request-id') ?? null,
      };
      const meta = { plane: 'data', port, method, path: pathname };

      const token = header(req.headers, 'x-access-token');
      if (token !== undefined && sbx.accessToken !== null && !safeEqual(token, sbx.accessToken)) {
        const owner = o.store.tenants.tenantOfAccessToken(token);
        if (owner && owner.sandboxId !== sbx.id) {
          o.audit.record({
            ...base,
            actor: `sandbox-token:${owner.sandboxId}`,
            tenantId: owner.tenantId,
            action: 'dataplane.denied',
            result: 'not_found',
            metadata: { ...meta, reason: "another sandbox's access token", targetTenant: sbx.tenantId },
          });
          return notFound(sbx.id);
        }
      }

      const allowed = (actor: string, soulboxBearer: boolean): GuardVerdict => {
        if (rule.action && o.auditChanges)
          o.audit.record({
            ...base,
            actor,
            tenantId: sbx.tenantId,
            action: rule.action,
            result: 'success',
            metadata: meta,
          });
        return { ok: true, soulboxBearer };
      };

      const authorise = (
        creds: Credentials,
        soulboxBearer: boolean,
      ): GuardVerdict | Promise<GuardVerdict> => {
        if (!hasCredentials(creds) && !(creds.transport.tls && o.requireClientCert)) {
          const actor =
            sbx.accessToken === null
              ? 'anonymous'
              : token !== undefined
                ? `sandbox-token:${sbx.id}`
                : url.searchParams.has('signature')
                  ? `signed-url:${sbx.id}`
                  : 'anonymous';
          return allowed(actor, soulboxBearer);
        }
        return authenticated(creds, soulboxBearer);
      };

      const authenticated = (creds: Credentials, soulboxBearer: boolean): Promise<GuardVerdict> =>
        o.authenticator.authenticate(creds).then(
          (id: Identity): GuardVerdict => {
            if (id.tenantId !== sbx.tenantId) {
              o.audit.record({
                ...base,
                actor: id.actor,
                tenantId: id.tenantId,
                action: 'dataplane.denied',
                result: 'not_found',
                metadata: { ...meta, reason: "another tenant's sandbox", targetTenant: sbx.tenantId },
              });
              return notFound(sbx.id);
            }
            if (rule.permission && !id.permissions.has(rule.permission)) {
              o.audit.record({
                ...base,
                actor: id.actor,
                tenantId: id.tenantId,
                action: 'authz.denied',
                result: 'denied',
                metadata: { ...meta, permission: rule.permission },
              });
              return {
                ok: false,
                status: 403,
                body: { code: 403, message: `this credential lacks the permission ${rule.permission}` },
              };
            }
            return allowed(id.actor, soulboxBearer);
          },
          (err: SoulBoxError): GuardVerdict => {
            o.audit.record({
              ...base,
              actor: 'anonymous',
              tenantId: sbx.tenantId,
              action: 'auth.failure',
              result: 'failure',
              metadata: { ...meta, failures: err.details?.failures ?? [] },
            });
            o.logger.info('data-plane authentication failed', { sandboxId: sbx.id, message: err.message });
            return { ok: false, status: 401, body: { code: 401, message: err.message } };
          },
        );

      const creds = credentialsOf((n) => header(req.headers, n), transportOf(req.socket));
      // envd reads no bearer token, so any there is meant for SoulBox; on an app's port only
      // SoulBox's own counts, and another is the app's business.
      if (creds.bearer === undefined || port === ENVD_PORT)
        return authorise(creds, creds.bearer !== undefined);
      const { bearer, ...rest } = creds;
      return o.authenticator.ownsBearer(bearer).then((own) => authorise(own ? creds : rest, own));
    },
  };
}
