/** Where the server is and how to authenticate. */
export interface ConnectionOptions {
  /** Base URL of the SoulBox API, e.g. `http://127.0.0.1:3000`. */
  apiUrl: string;
  /** API key (`e2b_…`), sent as `X-API-KEY`. */
  apiKey: string;
  /** Base URL of the data plane (envd and sandbox ports). @default apiUrl */
  sandboxUrl?: string;
  /** Per-request timeout of REST calls, ms (0 = none). @default 60000 */
  requestTimeoutMs?: number;
}

/** Connection options with defaults applied. */
export interface Connection {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly sandboxUrl: string;
  readonly requestTimeoutMs: number;
}

/** Validates and completes {@link ConnectionOptions}. */
export function resolveConnection(o: ConnectionOptions): Connection {
  const clean = (u: string) => u.replace(/\/+$/, '');
  for (const [name, value] of [
    ['apiUrl', o.apiUrl],
    ['sandboxUrl', o.sandboxUrl ?? o.apiUrl],
  ] as const) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new TypeError(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return {
    apiUrl: clean(o.apiUrl),
    apiKey: o.apiKey,
    sandboxUrl: clean(o.sandboxUrl ?? o.apiUrl),
    requestTimeoutMs: o.requestTimeoutMs ?? 60_000,
  };
}
