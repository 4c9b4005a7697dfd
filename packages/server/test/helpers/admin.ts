import type { TestServer } from './harness.js';

/** An answer of the admin API. */
export interface AdminAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the admin API (or any REST path) with plain fetch, as an operator script would. */
export async function adminCall<T = unknown>(
  t: TestServer,
  method: string,
  path: string,
  opts: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<AdminAnswer<T>> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      'X-API-KEY': opts.key ?? t.apiKey,
      ...(opts.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...opts.headers,
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV or empty.
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** Creates a tenant (unique id per run) and returns its id. */
export async function createTenant(
  t: TestServer,
  prefix: string,
  quotas?: Record<string, number>,
): Promise<string> {
  const id = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  const r = await adminCall<{ id: string }>(t, 'POST', '/admin/tenants', {
    body: { id, name: prefix, ...(quotas ? { quotas } : {}) },
  });
  if (r.status !== 201) throw new Error(`create tenant: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

/** Issues a key in a tenant; returns the secret and its id. */
export async function issueKey(
  t: TestServer,
  tenantId: string,
  role: string,
  extra: { scopes?: string[]; expiresAt?: string } = {},
): Promise<{ key: string; id: string }> {
  const r = await adminCall<{ key: string; id: string }>(t, 'POST', `/admin/tenants/${tenantId}/keys`, {
    body: { role, ...extra },
  });
  if (r.status !== 201) throw new Error(`issue key: ${r.status} ${JSON.stringify(r.body)}`);
  return { key: r.body.key, id: r.body.id };
}
