import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addApiKey, generateApiKey } from '../auth/index.js';
import type { TemplateBuilds } from '../build/index.js';
import { SoulBoxError } from '../errors/index.js';
import { createSandboxLogs } from '../logs/index.js';
import type { CreateSandboxRequest, SandboxManager } from '../sandbox/sandbox-manager.js';
import type { SandboxRecord } from '../store/index.js';
import type { TemplateCatalog } from '../template/index.js';
import { createGovernanceFixture, type GovernanceFixture } from '../testing/governance-fixture.js';
import { call, inertServerMetrics } from '../testing/test-api.js';
import { silentLogger } from '../util/logger.js';
import { createApi } from './app.js';
import type { SandboxCreatePolicy } from './sandbox-routes.js';

/** A manager that records create requests and keeps sandboxes in the fixture's store. */
let n = 0;
function stubManager(f: GovernanceFixture, requests: CreateSandboxRequest[]): SandboxManager {
  const get = (id: string, tenantId?: string) => {
    const r = f.store.getSandbox(id);
    if (!r || r.state === 'killed' || (tenantId !== undefined && r.tenantId !== tenantId))
      throw new SoulBoxError('SANDBOX_NOT_FOUND', `Sandbox "${id}" doesn't exist`);
    return r;
  };
  return Object.assign(f.sandboxes, {
    async create(req: CreateSandboxRequest) {
      requests.push(req);
      return f.addSandbox(`stub${String(++n).padStart(16, '0')}`, req.tenantId, {
        accessToken: req.secure ? `envd-${n}` : null,
        trafficToken: req.allowPublicTraffic === false ? `traffic-${n}` : null,
      });
    },
    get,
    find: (id: string) => f.store.getSandbox(id),
    async connect(id: string, _t: number | undefined, tenantId?: string) {
      return { record: get(id, tenantId) as SandboxRecord, resumed: false };
    },
  }) as SandboxManager;
}

describe('sandbox routes: secure by default, tokens by permission', () => {
  let f: GovernanceFixture;
  const requests: CreateSandboxRequest[] = [];
  const keys: Record<string, string> = {};
  const apiWith = (createPolicy?: SandboxCreatePolicy) =>
    createApi({
      store: f.store,
      sandboxes: stubManager(f, requests),
      catalog: {
        resolve: (tenantId: string, name: string) => ({
          name,
          dir: name,
          ownerTenantId: tenantId,
          public: false,
          builtIn: false,
        }),
      } as unknown as TemplateCatalog,
      logger: silentLogger,
      metrics: inertServerMetrics(),
      logs: createSandboxLogs(),
      builds: {} as unknown as TemplateBuilds,
      governance: f.governance,
      ...(createPolicy ? { createPolicy } : {}),
    });
  before(() => {
    f = createGovernanceFixture({ auth: { roles: { porter: ['sandbox:read', 'sandbox:connect'] } } });
    for (const role of ['developer', 'viewer', 'porter']) {
      keys[role] = generateApiKey();
      addApiKey(f.store, keys[role]!, { role, name: role });
    }
  });
  after(() => f.close());

  it('creates a secured sandbox unless the body says secure: false (v1), always on v2', async () => {
    const app = apiWith();
    for (const [path, body, secure] of [
      ['/sandboxes', { templateID: 'base' }, true],
      ['/sandboxes', { templateID: 'base', secure: true }, true],
      ['/sandboxes', { templateID: 'base', secure: false }, false],
      ['/v2/sandboxes', { templateID: 'base', secure: false }, true],
      ['/v2/sandboxes', { templateID: 'base' }, true],
    ] as const) {
      const r = await call(app, 'POST', path, { key: keys.developer, body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(requests.at(-1)!.secure, secure, `${path} ${JSON.stringify(body)}`);
      assert.equal('envdAccessToken' in (r.body as object), secure);
    }
  });

  it('refuses secure: false where the operator forbids it, with a stable code', async () => {
    const app = apiWith({ allowInsecure: false, defaultAllowPublicTraffic: true });
    const r = await call(app, 'POST', '/sandboxes', {
      key: keys.developer,
      body: { templateID: 'base', secure: false },
    });
    assert.equal(r.status, 403);
    assert.equal((r.body as { error_code: string }).error_code, 'INSECURE_SANDBOX_REFUSED');
    const ok = await call(app, 'POST', '/sandboxes', { key: keys.developer, body: { templateID: 'base' } });
    assert.equal(ok.status, 201);
  });

  it("takes public traffic from the body, else from the operator's default", async () => {
    const closed = apiWith({ allowInsecure: true, defaultAllowPublicTraffic: false });
    const a = await call(closed, 'POST', '/v2/sandboxes', {
      key: keys.developer,
      body: { templateID: 'base' },
    });
    assert.match((a.body as { trafficAccessToken: string }).trafficAccessToken, /^traffic-/);
    const b = await call(closed, 'POST', '/v2/sandboxes', {
      key: keys.developer,
      body: { templateID: 'base', network: { allowPublicTraffic: true } },
    });
    assert.equal((b.body as { trafficAccessToken: null }).trafficAccessToken, null);
    const c = await call(apiWith(), 'POST', '/v2/sandboxes', {
      key: keys.developer,
      body: { templateID: 'base', network: { allowPublicTraffic: false } },
    });
    assert.match((c.body as { trafficAccessToken: string }).trafficAccessToken, /^traffic-/);
  });

  it('gives tokens on get and connect only to callers allowed to use them', async () => {
    const app = apiWith();
    const created = await call(app, 'POST', '/v2/sandboxes', {
      key: keys.developer,
      body: { templateID: 'base', network: { allowPublicTraffic: false } },
    });
    const id = (created.body as { sandboxID: string }).sandboxID;
    const seen = async (role: string) => {
      const out: Record<string, unknown> = {};
      for (const [method, path] of [
        ['GET', `/sandboxes/${id}`],
        ['GET', `/v2/sandboxes/${id}`],
        ['GET', '/v2/sandboxes'],
        ['GET', '/sandboxes'],
        ['POST', `/v2/sandboxes/${id}/connect`],
        ['POST', `/sandboxes/${id}/connect`],
      ] as const) {
        const r = await call(app, method, path, {
          key: keys[role],
          ...(method === 'POST' ? { body: {} } : {}),
        });
        out[`${method} ${path}`] = r.status >= 400 ? r.status : JSON.stringify(r.body);
      }
      return out;
    };
    const viewer = await seen('viewer');
    assert.ok(!JSON.stringify(viewer).includes('envd-') && !JSON.stringify(viewer).includes('traffic-'));
    assert.equal(viewer[`POST /v2/sandboxes/${id}/connect`], 403);
    const porter = JSON.stringify(await seen('porter'));
    assert.ok(!porter.includes('envd-') && porter.includes('traffic-'), porter);
    const dev = await seen('developer');
    for (const k of [`GET /sandboxes/${id}`, `POST /v2/sandboxes/${id}/connect`])
      assert.ok(String(dev[k]).includes('envd-') && String(dev[k]).includes('traffic-'), k);
    assert.ok(!String(dev['GET /v2/sandboxes']).includes('envd-'), 'lists never carry tokens');
  });
});
