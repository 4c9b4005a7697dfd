import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createApi } from '../packages/server/src/api/app.js';
import type { TemplateBuilds } from '../packages/server/src/build/index.js';
import { createSandboxLogs } from '../packages/server/src/logs/index.js';
import { inertServerMetrics } from '../packages/server/src/testing/test-api.js';
import { createSandbox, startTestServer, type TestServer } from '../packages/server/test/helpers/harness.js';
import type { Report } from './report.js';

type App = ReturnType<typeof createApi>;

/** The REST app over the running server's internals, with auth on or off (off: benchmarks only). */
function appOf(t: TestServer, mode: 'on' | 'off' | 'on+reads', tenantId: string): App {
  const s = t.server;
  const governance = mode === 'on+reads' ? { ...s.governance, auditReads: true } : s.governance;
  return createApi({
    store: s.store,
    sandboxes: s.sandboxes,
    catalog: s.templateCatalog,
    logger: s.logger,
    metrics: inertServerMetrics(),
    logs: createSandboxLogs(),
    // Only registered, never called by GET /sandboxes/{id}.
    builds: {} as unknown as TemplateBuilds,
    governance,
    ...(mode === 'off'
      ? {
          unauthenticatedAs: s.governance.authenticator.resolve({
            actor: 'bench',
            tenantId,
            roles: ['developer'],
            method: 'trusted',
          }),
        }
      : {}),
  });
}

async function serve(app: App): Promise<{ url: string; close(): Promise<void> }> {
  const srv = http.createServer({ noDelay: true, keepAliveTimeout: 65_000 }, getRequestListener(app.fetch));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

/**
 * Auth + authorisation + audit overhead on `GET /sandboxes/{id}` (issue: ≤ 1 ms p50), measured
 * in one run: the same app with the governance middleware and without it (a benchmark-only
 * option no config or request reaches), over HTTP and in-process, requests interleaved so
 * that drift hits both alike. "on" uses a tenant developer key: key lookup, role, route rule,
 * tenant scope; reads are not audited by default, so "on + audited reads" adds one audit
 * append (hash chain, one SQLite insert) per request.
 */
export async function governanceBenchmarks(r: Report, n: number): Promise<void> {
  const t = await startTestServer({ pool: { enabled: false } });
  const servers: { url: string; close(): Promise<void> }[] = [];
  try {
    const tenantId = `bench-${Math.random().toString(36).slice(2, 8)}`;
    const post = (p: string, body: unknown) =>
      fetch(`${t.url}${p}`, {
        method: 'POST',
        headers: { 'X-API-KEY': t.apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }).then((res) => res.json() as Promise<{ key: string }>);
    await post('/admin/tenants', { id: tenantId, name: 'bench' });
    const { key } = await post(`/admin/tenants/${tenantId}/keys`, { role: 'developer' });
    const sbx = await createSandbox(t, { tenantId });
    const path = `/sandboxes/${sbx.id}`;
    const modes = ['off', 'on', 'on+reads'] as const;
    const apps = Object.fromEntries(modes.map((m) => [m, appOf(t, m, tenantId)])) as Record<
      (typeof modes)[number],
      App
    >;
    for (const m of modes) servers.push(await serve(apps[m]));
    const urls = Object.fromEntries(modes.map((m, i) => [m, servers[i]!.url])) as Record<
      (typeof modes)[number],
      string
    >;
    const headers = { 'X-API-KEY': key };
    // Self-check: "on" really authenticates, "off" really does not.
    const wrong = { 'X-API-KEY': `e2b_${'0'.repeat(40)}` };
    if ((await apps.on.request(path, { headers: wrong })).status !== 401)
      throw new Error('"on" accepted a wrong key');
    if ((await apps.off.request(path, { headers: wrong })).status !== 200)
      throw new Error('"off" checked the key');

    const http1 = (url: string) => async () => {
      const res = await fetch(`${url}${path}`, { headers });
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    const inproc = (app: App) => async () => {
      const res = await app.request(path, { headers });
      if (res.status !== 200) throw new Error(`in-process GET ${path}: ${res.status}`);
      await res.arrayBuffer();
    };
    const runs: Record<string, () => Promise<void>> = {
      'auth: GET /sandboxes/{id} over HTTP, auth+authz off': http1(urls.off),
      'auth: GET /sandboxes/{id} over HTTP, auth+authz+audit on': http1(urls.on),
      'auth: GET /sandboxes/{id} over HTTP, on + audited reads': http1(urls['on+reads']),
      'auth: GET /sandboxes/{id} on the real server listener (on)': http1(t.url),
      'auth: GET /sandboxes/{id} in-process, off': inproc(apps.off),
      'auth: GET /sandboxes/{id} in-process, on': inproc(apps.on),
      'auth: GET /sandboxes/{id} in-process, on + audited reads': inproc(apps['on+reads']),
    };
    const samples = new Map<string, number[]>(Object.keys(runs).map((k) => [k, []]));
    for (const fn of Object.values(runs)) for (let i = 0; i < 50; i++) await fn();
    for (let i = 0; i < n; i++) {
      for (const [name, fn] of Object.entries(runs)) {
        const t0 = performance.now();
        await fn();
        samples.get(name)!.push(performance.now() - t0);
      }
    }
    const sums = new Map<string, number>();
    for (const [name, s] of samples) {
      const target = name.includes('HTTP, auth+authz+audit on') ? 'p50 ≤ off + 1 ms' : undefined;
      sums.set(name, r.record(name, s, target).p50);
    }
    const delta = (a: string, b: string) => (sums.get(a) ?? 0) - (sums.get(b) ?? 0);
    r.value(
      'auth: p50 added over HTTP (on − off)',
      delta(
        'auth: GET /sandboxes/{id} over HTTP, auth+authz+audit on',
        'auth: GET /sandboxes/{id} over HTTP, auth+authz off',
      ),
      'ms',
      '≤ 1 ms',
    );
    r.value(
      'auth: p50 added in-process (on − off)',
      delta('auth: GET /sandboxes/{id} in-process, on', 'auth: GET /sandboxes/{id} in-process, off'),
      'ms',
      '≤ 1 ms',
    );
    r.value(
      'auth: p50 added in-process with audited reads',
      delta(
        'auth: GET /sandboxes/{id} in-process, on + audited reads',
        'auth: GET /sandboxes/{id} in-process, off',
      ),
      'ms',
    );
    await t.server.sandboxes.kill(sbx.id);
  } finally {
    for (const s of servers) await s.close();
    await t.close();
  }
}
