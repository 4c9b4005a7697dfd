import type { IncomingHttpHeaders } from 'node:http';
import { safeEqual } from './signature.js';

/** The code interpreter's port (spec §4). */
export const CODE_INTERPRETER_PORT = 49999;

/** The sandbox a port request is for. */
export interface PortSandbox {
  id: string;
  /** envd access token; null for a `secure: false` sandbox. */
  accessToken: string | null;
  /** Traffic token; null when the sandbox's ports are public. */
  trafficToken: string | null;
}

/** Go on, or answer with this status and body. */
export type PortAccess = { ok: true } | { ok: false; status: number; body: unknown };

const ALLOWED: PortAccess = { ok: true };

/**
 * The code interpreter's context routes, exactly as `@e2b/code-interpreter` calls them (it
 * sends no `X-Access-Token` there, only on `/execute`), and its `GET /health`: they fall
 * under the traffic rule. None of them runs code.
 */
function isContextRoute(method: string, pathname: string): boolean {
  // The interpreter's readiness probe runs no code either.
  if (pathname === '/health') return method === 'GET';
  if (pathname === '/contexts') return method === 'GET' || method === 'POST';
  if (/^\/contexts\/[^/]+$/.test(pathname)) return method === 'DELETE';
  return /^\/contexts\/[^/]+\/restart$/.test(pathname) && method === 'POST';
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Who may reach a port other than envd's (envd checks its own token):
 * - port 49999 of a secured sandbox is code execution: `X-Access-Token` is required (the
 *   code-interpreter SDK sends it), except on the context routes;
 * - a sandbox created with `allowPublicTraffic: false` answers only requests that carry its
 *   traffic token (`e2b-traffic-access-token`) or its envd access token, else 403 as E2B's
 *   proxy does;
 * - otherwise the port is public.
 * Tokens are compared in constant time.
 */
export function checkPortAccess(
  sbx: PortSandbox,
  port: number,
  method: string,
  pathname: string,
  headers: IncomingHttpHeaders,
): PortAccess {
  const accessHeader = header(headers, 'x-access-token');
  const hasAccessToken =
    sbx.accessToken !== null && accessHeader !== undefined && safeEqual(accessHeader, sbx.accessToken);
  if (
    port === CODE_INTERPRETER_PORT &&
    sbx.accessToken !== null &&
    !hasAccessToken &&
    (accessHeader !== undefined || !isContextRoute(method, pathname))
  ) {
    return {
      ok: false,
      status: 401,
      body: {
        sandboxId: sbx.id,
        code: 401,
        message: 'unauthorized access, please provide a valid access token (X-Access-Token)',
        error_code: 'UNAUTHENTICATED',
      },
    };
  }
  if (sbx.trafficToken === null || hasAccessToken) return ALLOWED;
  const sent = header(headers, 'e2b-traffic-access-token');
  if (sent !== undefined && safeEqual(sent, sbx.trafficToken)) return ALLOWED;
  return {
    ok: false,
    status: 403,
    body: {
      sandboxId: sbx.id,
      code: 403,
      message:
        sent === undefined
          ? "Sandbox is secured with traffic access token. Token header 'e2b-traffic-access-token' is missing"
          : 'Sandbox is secured with traffic access token. Provided token is invalid.',
      error_code: 'TRAFFIC_TOKEN_REQUIRED',
    },
  };
}
