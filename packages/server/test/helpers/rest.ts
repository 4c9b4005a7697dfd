/** A server reachable over HTTP with an API key. */
export interface RestTarget {
  url: string;
  apiKey: string;
}

/** One JSON request to the REST API: status and parsed body. */
export async function api(
  s: RestTarget,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const r = await fetch(`${s.url}${path}`, {
    method,
    headers: { 'x-api-key': s.apiKey, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** Kills every sandbox the server lists (test clean-up that does not trust earlier steps). */
export async function killAll(s: RestTarget): Promise<void> {
  const list = await api(s, 'GET', '/v2/sandboxes').catch(() => undefined);
  for (const sb of (list?.json as unknown as { sandboxID: string }[] | undefined) ?? []) {
    await api(s, 'DELETE', `/sandboxes/${sb.sandboxID}`);
  }
}
