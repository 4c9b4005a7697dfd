/**
 * What of a client's request head travels on into a sandbox. Two rules:
 *
 * - envd gets only what it needs: an allow-list of the headers E2B's envd protocol reads.
 * - A port gets the client's request as sent, minus the credentials of the API and of the
 *   data plane (`X-API-KEY`, `X-Access-Token`, `e2b-traffic-access-token`, the API's cookies
 *   and a SoulBox bearer token), so that code in the sandbox never sees them. An
 *   `Authorization` header that is not SoulBox's (Basic, or the app's own bearer token) is
 *   the app's and reaches it unchanged.
 */

import { HOST_SECRET_HEADER } from '@soulbox/envd';

/** Headers of one connection only (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Credentials of the API and of the data plane, and the routing headers. */
const SOULBOX_HEADERS = new Set([
  'x-api-key',
  'x-access-token',
  'e2b-traffic-access-token',
  'e2b-sandbox-id',
  'e2b-sandbox-port',
  // The host↔envd secret is the runtime's to set; a client's value (even a wrong one) never
  // travels on.
  HOST_SECRET_HEADER,
]);

/**
 * Cookie names reserved for the API (`soulbox…`, also with the `__Host-` / `__Secure-`
 * prefixes). The API sets none today; a browser session of a dashboard on the same domain
 * would use these names, and they must not reach `{port}-{id}.{domain}` apps.
 */
const API_COOKIE = /^(__host-|__secure-)?soulbox/i;

/** envd's protocol reads these (spec §1.3), and nothing else of the client's head. */
const ENVD_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'content-encoding',
  'content-length',
  'content-type',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'keepalive-ping-interval',
  'range',
  'user-agent',
]);
/** Connect's own headers (`Connect-Protocol-Version`, `Connect-Timeout-Ms`, ...) and file metadata. */
const ENVD_PREFIXES = ['connect-', 'x-metadata-'];

/** Forwardable headers, as Node's `http.request` takes them (names as the client wrote them). */
export type ForwardHeaders = Record<string, string | string[]>;

/** The `Cookie` value without the API's cookies; undefined when nothing is left. */
export function withoutApiCookies(value: string): string | undefined {
  const kept = value
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '' && !API_COOKIE.test(c.split('=')[0]!.trim()));
  return kept.length ? kept.join('; ') : undefined;
}

/** Whether an `Authorization` value is a bearer token (as opposed to Basic or another scheme). */
export function isBearer(value: string): boolean {
  return /^bearer\s/i.test(value.trim());
}

/** Header names the `Connection` header lists: hop-by-hop for this request only. */
function connectionTokens(raw: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.toLowerCase() === 'connection')
      for (const t of raw[i + 1]!.split(',')) out.add(t.trim().toLowerCase());
  return out;
}

/** Collects headers, merging repeats of one name (any spelling) into a list. */
function collector() {
  const out: ForwardHeaders = {};
  const keys = new Map<string, string>();
  return {
    out,
    add(name: string, value: string) {
      const lower = name.toLowerCase();
      const key = keys.get(lower);
      if (key === undefined) {
        keys.set(lower, name);
        out[name] = value;
        return;
      }
      const prev = out[key]!;
      out[key] = [...(Array.isArray(prev) ? prev : [prev]), value];
    },
  };
}

/** Options of {@link portHeaders}. */
export interface PortHeaderOptions {
  /** Drop a bearer `Authorization` (it is SoulBox's: see the data-plane guard). */
  dropBearer: boolean;
}

/**
 * The client's headers for an app on a port: everything end-to-end except SoulBox's
 * credentials. `rawHeaders` keeps the client's spelling and repeated headers.
 */
export function portHeaders(rawHeaders: readonly string[], o: PortHeaderOptions): ForwardHeaders {
  const hop = connectionTokens(rawHeaders);
  const c = collector();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    let value = rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || hop.has(lower) || SOULBOX_HEADERS.has(lower)) continue;
    if (lower === 'authorization' && o.dropBearer && isBearer(value)) continue;
    if (lower === 'cookie') {
      const kept = withoutApiCookies(value);
      if (kept === undefined) continue;
      value = kept;
    }
    c.add(name, value);
  }
  return c.out;
}

/** The client's headers that envd reads; `Authorization` only as Basic (it picks the user). */
export function envdHeaders(rawHeaders: readonly string[]): ForwardHeaders {
  const c = collector();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    const wanted =
      ENVD_HEADERS.has(lower) ||
      ENVD_PREFIXES.some((p) => lower.startsWith(p)) ||
      (lower === 'authorization' && /^basic\s/i.test(value.trim()));
    if (wanted) c.add(name, value);
  }
  return c.out;
}

/**
 * Response headers passed back to the client: end-to-end ones only, and no `Set-Cookie` of a
 * name reserved for the API (an app on `{port}-{id}.{domain}` could otherwise plant one for
 * the whole domain).
 */
export function responseHeaders(rawHeaders: readonly string[]): ForwardHeaders {
  const hop = connectionTokens(rawHeaders);
  const c = collector();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || hop.has(lower)) continue;
    if (lower === 'set-cookie' && API_COOKIE.test(value.split('=')[0]!.trim())) continue;
    c.add(name, value);
  }
  return c.out;
}
