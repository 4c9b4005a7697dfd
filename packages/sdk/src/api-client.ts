import type { Connection } from './connection.js';
import { apiError, connectionError } from './errors.js';

/** One REST call. */
export interface RequestOptions {
  body?: unknown;
  /** Raw body (uploads); sent as is. */
  rawBody?: NonNullable<RequestInit['body']>;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
  /** Override the connection's timeout (0 = none). */
  timeoutMs?: number;
}

/** Thin REST client: JSON in and out, errors mapped to {@link SoulBoxClientError}. */
export interface ApiClient {
  readonly connection: Connection;
  json<T>(method: string, path: string, o?: RequestOptions): Promise<T>;
  /** The response itself (streams); the caller reads or cancels its body. */
  raw(method: string, path: string, o?: RequestOptions): Promise<Response>;
}

export function createApiClient(conn: Connection): ApiClient {
  const raw = async (method: string, path: string, o: RequestOptions = {}): Promise<Response> => {
    const url = new URL(conn.apiUrl + path);
    for (const [k, v] of Object.entries(o.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { 'X-API-KEY': conn.apiKey, ...o.headers };
    let body: RequestInit['body'] = o.rawBody;
    if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const timeoutMs = o.timeoutMs ?? conn.requestTimeoutMs;
    const signals = [o.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body,
        signal: signals.length ? AbortSignal.any(signals) : undefined,
        // Node's fetch needs this for a streamed request body.
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      if (o.signal?.aborted) throw err;
      throw connectionError(conn.apiUrl, err);
    }
    if (!res.ok) throw apiError(res.status, await res.text().catch(() => ''));
    return res;
  };
  return {
    connection: conn,
    raw,
    async json<T>(method: string, path: string, o?: RequestOptions): Promise<T> {
      const res = await raw(method, path, o);
      if (res.status === 204) return undefined as T;
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
}
