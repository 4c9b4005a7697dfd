import { Hono } from 'hono';
import { SoulBoxError } from '../errors/index.js';
import type { EgressPolicy } from '../network/index.js';
import type { CreateSandboxRequest, SandboxManager } from '../sandbox/sandbox-manager.js';
import type { SandboxRecord } from '../store/index.js';
import type { TemplateCatalog } from '../template/index.js';
import type { SandboxQuotaGate } from '../tenancy/index.js';
import type { ApiEnv } from './api-env.js';
import { readJson } from './http-helpers.js';
import { decodeCursor, encodeCursor, parseLimit, parseMetadataFilter, parseStates } from './list-query.js';
import {
  connectSchema,
  type NewSandboxBody,
  newSandboxSchema,
  resumeSchema,
  timeoutSchema,
} from './request-schemas.js';
import {
  CREATOR_GRANT,
  tokenGrant,
  toListedSandboxWire,
  toMetricWire,
  toSandboxDetailWire,
  toSandboxWire,
} from './wire.js';

/** Dependencies of the sandbox routes. */
export interface SandboxRoutesDeps {
  sandboxes: SandboxManager;
  /** Resolves a template name for the caller's tenant (own, built-in, then public). */
  catalog: TemplateCatalog;
  /** Tenant quotas on create, timeout and connect. */
  quotas?: SandboxQuotaGate;
  /** The operator's rules for what a create may ask (`sandbox.*` settings). @default both true */
  policy?: SandboxCreatePolicy;
}

/** What creates may ask for, from the `sandbox` settings. */
export interface SandboxCreatePolicy {
  /** `secure: false` is allowed. */
  allowInsecure: boolean;
  /** `network.allowPublicTraffic` when a create does not say. */
  defaultAllowPublicTraffic: boolean;
}

/**
 * Secure unless the body says `secure: false` (v1 only: NewSandboxV2 is always secured), and
 * that only where the operator allows it.
 */
function secureOf(body: NewSandboxBody, v2: boolean, policy: SandboxCreatePolicy): boolean {
  if (v2 || body.secure !== false) return true;
  if (!policy.allowInsecure)
    throw new SoulBoxError(
      'INSECURE_SANDBOX_REFUSED',
      'this server does not allow secure: false sandboxes (setting sandbox.allowInsecure); leave secure out or set it to true',
    );
  return false;
}

/**
 * `allow_internet_access: false` = loopback only. Otherwise the sandbox is bridged, with
 * `network.allowOut` / `denyOut` as nftables rules (allow wins over deny, as in E2B).
 */
function networkOf(body: NewSandboxBody): { networkMode: 'bridge' | 'none'; egress: EgressPolicy | null } {
  if (body.allow_internet_access === false) return { networkMode: 'none', egress: null };
  const egress = { allowOut: body.network?.allowOut ?? [], denyOut: body.network?.denyOut ?? [] };
  return { networkMode: 'bridge', egress };
}

function matchesMetadata(r: SandboxRecord, filter: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(filter)) if (r.metadata[k] !== v) return false;
  return true;
}

/** The E2B-compatible sandbox endpoints (spec §2.2). Thin: validate, call the manager, map. */
export function createSandboxRoutes(d: SandboxRoutesDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const policy = d.policy ?? { allowInsecure: true, defaultAllowPublicTraffic: true };
  const grantOf = (c: { var: ApiEnv['Variables'] }) => tokenGrant(c.var.identity.permissions);

  const create = (v2: boolean) =>
    app.post(v2 ? '/v2/sandboxes' : '/sandboxes', async (c) => {
      const body = await readJson(c, newSandboxSchema);
      // Custom egress rules are a network permission on top of sandbox:create.
      if (
        (body.network?.allowOut?.length || body.network?.denyOut?.length) &&
        !c.var.identity.permissions.has('network:create')
      )
        throw new SoulBoxError('FORBIDDEN', 'this credential lacks the permission network:create');
      const req: CreateSandboxRequest = {
        // Another tenant's private template is TEMPLATE_NOT_FOUND, like an unknown one.
        templateId: d.catalog.resolve(c.var.identity.tenantId, body.templateID).dir,
        tenantId: c.var.identity.tenantId,
        timeoutS: body.timeout,
        metadata: body.metadata ?? undefined,
        envVars: body.envVars ?? undefined,
        secure: secureOf(body, v2, policy),
        allowPublicTraffic: body.network?.allowPublicTraffic ?? policy.defaultAllowPublicTraffic,
        ...networkOf(body),
        autoPause: body.autoPause ?? false,
        cpuCount: body.cpuCount,
        qos: body.qos,
        memoryMiB: body.memoryMB,
        diskMiB: body.diskSizeMB,
      };
      const rec = await (d.quotas
        ? d.quotas.admitCreate(req, () => d.sandboxes.create(req))
        : d.sandboxes.create(req));
      return c.json(toSandboxWire(rec, CREATOR_GRANT), 201);
    });
  create(false);
  create(true);

  app.get('/v2/sandboxes', (c) => {
    const tenantId = c.var.identity.tenantId;
    const states = parseStates(c.req.queries('state') ?? []);
    const filter = parseMetadataFilter(c.req.query('metadata'));
    const limit = parseLimit(c.req.query('limit'));
    const token = c.req.query('nextToken');
    const after = token ? decodeCursor(token) : undefined;
    const order = c.req.query('order') === 'asc' ? 'asc' : 'desc';
    const rows = d.sandboxes
      .list({ tenantId, states })
      .filter((r) => matchesMetadata(r, filter))
      .sort((a, b) => {
        const cmp =
          a.startedAt === b.startedAt ? a.id.localeCompare(b.id) : a.startedAt.localeCompare(b.startedAt);
        return order === 'asc' ? cmp : -cmp;
      })
      .filter((r) => {
        if (!after) return true;
        const cmp =
          r.startedAt === after.startedAt
            ? r.id.localeCompare(after.id)
            : r.startedAt.localeCompare(after.startedAt);
        return order === 'asc' ? cmp > 0 : cmp < 0;
      });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    if (rows.length > limit && last) c.header('X-Next-Token', encodeCursor(last.startedAt, last.id));
    return c.json(page.map(toListedSandboxWire));
  });

  // v1 list (deprecated upstream): running sandboxes, metadata filter, no paging.
  app.get('/sandboxes', (c) => {
    const filter = parseMetadataFilter(c.req.query('metadata'));
    const rows = d.sandboxes
      .list({ tenantId: c.var.identity.tenantId, states: ['running'] })
      .filter((r) => matchesMetadata(r, filter));
    return c.json(rows.map(toListedSandboxWire));
  });

  // `/v2/sandboxes/{id}` is accepted as an alias of the v1 path.
  app.get('/v2/sandboxes/:id', (c) =>
    c.json(toSandboxDetailWire(d.sandboxes.get(c.req.param('id'), c.var.identity.tenantId), grantOf(c))),
  );
  app.get('/sandboxes/:id', (c) =>
    c.json(toSandboxDetailWire(d.sandboxes.get(c.req.param('id'), c.var.identity.tenantId), grantOf(c))),
  );

  app.delete('/sandboxes/:id', async (c) => {
    await d.sandboxes.kill(c.req.param('id'), c.var.identity.tenantId);
    return c.body(null, 204);
  });

  app.post('/sandboxes/:id/timeout', async (c) => {
    const body = await readJson(c, timeoutSchema);
    d.quotas?.checkTimeout(d.sandboxes.get(c.req.param('id'), c.var.identity.tenantId), body.timeout);
    await d.sandboxes.setTimeout(c.req.param('id'), body.timeout, c.var.identity.tenantId);
    return c.body(null, 204);
  });

  app.post('/sandboxes/:id/pause', async (c) => {
    await d.sandboxes.pause(c.req.param('id'), c.var.identity.tenantId);
    return c.body(null, 204);
  });

  const connect = (route: string) =>
    app.post(route, async (c) => {
      const body = await readJson(c, connectSchema);
      const id = c.req.param('id') ?? '';
      const timeout = d.quotas
        ? d.quotas.connectTimeout(d.sandboxes.get(id, c.var.identity.tenantId), body.timeout)
        : body.timeout;
      const { record, resumed } = await d.sandboxes.connect(id, timeout, c.var.identity.tenantId);
      return c.json(toSandboxWire(record, grantOf(c)), resumed ? 201 : 200);
    });
  connect('/sandboxes/:id/connect');
  connect('/v2/sandboxes/:id/connect');

  // SDK 2.0–2.5 connect path: resume answers 409 when the sandbox already runs.
  app.post('/sandboxes/:id/resume', async (c) => {
    const body = await readJson(c, resumeSchema);
    const id = c.req.param('id');
    const rec = d.sandboxes.get(id, c.var.identity.tenantId);
    if (rec.state === 'running')
      throw new SoulBoxError('SANDBOX_STATE_CONFLICT', `Sandbox "${id}" is already running`);
    const timeout = d.quotas ? d.quotas.connectTimeout(rec, body.timeout) : body.timeout;
    const { record } = await d.sandboxes.connect(id, timeout, c.var.identity.tenantId);
    return c.json(toSandboxWire(record, grantOf(c)), 201);
  });

  app.get('/sandboxes/:id/metrics', (c) => {
    const num = (v: string | undefined) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isFinite(n)) throw new SoulBoxError('INVALID_ARGUMENT', `invalid timestamp '${v}'`);
      return n;
    };
    const samples = d.sandboxes.metrics(
      c.req.param('id'),
      num(c.req.query('start')),
      num(c.req.query('end')),
      c.var.identity.tenantId,
    );
    return c.json(samples.map(toMetricWire));
  });

  app.get('/templates/aliases/:alias', (c) => {
    const ref = d.catalog.resolve(c.var.identity.tenantId, c.req.param('alias'));
    return c.json({ templateID: ref.name, public: ref.public });
  });

  return app;
}
