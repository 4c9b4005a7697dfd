import type { Hono } from 'hono';
import type { ApiEnv } from '../api/api-env.js';
import { createApi } from '../api/app.js';
import type { TemplateBuilds } from '../build/index.js';
import { createSandboxLogs } from '../logs/index.js';
import { createServerMetrics, type ServerMetrics } from '../metrics/server-metrics.js';
import type { TemplateCatalog } from '../template/index.js';
import { silentLogger } from '../util/logger.js';
import type { GovernanceFixture } from './governance-fixture.js';

/** Server metrics over no live figures (for an API measured or tested on its own). */
export function inertServerMetrics(): ServerMetrics {
  return createServerMetrics({
    sandboxesByState: () => ({}),
    poolLevels: () => [],
    poolCounters: () => ({ hits: 0, misses: 0 }),
    admission: () => ({
      allocatedCpu: 0,
      allocatedMemoryMiB: 0,
      guaranteedCpu: 0,
      guaranteedMemoryMiB: 0,
      capacityCpu: 1,
      capacityMemoryMiB: 1,
      limitCpu: 1,
      limitMemoryMiB: 1,
    }),
  });
}

/** The real REST app over a governance fixture (templates and builds are inert stand-ins). */
export function createTestApi(f: GovernanceFixture): Hono<ApiEnv> {
  return createApi({
    store: f.store,
    sandboxes: f.sandboxes,
    catalog: {} as unknown as TemplateCatalog,
    logger: silentLogger,
    metrics: inertServerMetrics(),
    logs: createSandboxLogs(),
    builds: {} as unknown as TemplateBuilds,
    governance: f.governance,
  });
}

/** JSON request helper for `app.request`. */
export async function call(
  app: Hono<ApiEnv>,
  method: string,
  path: string,
  opts: { key?: string; bearer?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (opts.key) headers['X-API-KEY'] = opts.key;
  if (opts.bearer) headers.Authorization = `Bearer ${opts.bearer}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await app.request(path, {
    method,
    headers,
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (CSV, JSONL): the text itself.
  }
  return { status: res.status, body, headers: res.headers };
}
