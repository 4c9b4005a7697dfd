import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { addApiKey, generateApiKey } from '../auth/index.js';
import { createGovernanceFixture, type GovernanceFixture } from '../testing/governance-fixture.js';
import { silentLogger } from '../util/logger.js';
import { createDataPlaneGuard, type DataPlaneGuard, type GuardVerdict } from './data-plane-guard.js';

const ENVD = 49983;

describe('data-plane guard', () => {
  let f: GovernanceFixture;
  let guard: DataPlaneGuard;
  const keys: Record<string, string> = {};
  before(() => {
    f = createGovernanceFixture();
    for (const t of ['ta', 'tb'])
      f.store.tenants.insert({ id: t, name: t, quotas: {}, createdAt: new Date().toISOString() });
    for (const [name, tenantId, role] of [
      ['aDev', 'ta', 'developer'],
      ['aViewer', 'ta', 'viewer'],
      ['bDev', 'tb', 'developer'],
    ] as const) {
      keys[name] = generateApiKey();
      addApiKey(f.store, keys[name]!, { tenantId, role, name });
    }
    f.addSandbox('sandboxa000000000001', 'ta', { accessToken: 'token-a' });
    f.addSandbox('sandboxb000000000001', 'tb', { accessToken: 'token-b' });
    guard = createDataPlaneGuard({
      store: f.store,
      authenticator: f.governance.authenticator,
      audit: f.governance.audit,
      auditChanges: true,
      requireClientCert: false,
      logger: silentLogger,
    });
  });
  after(() => f.close());

  const sandboxA = { id: 'sandboxa000000000001', tenantId: 'ta', accessToken: 'token-a' };
  const check = async (headers: Record<string, string>, url: string, method = 'POST', port = ENVD) =>
    (await guard.check({ method, url, headers, socket: new Socket() }, sandboxA, port)) as GuardVerdict;
  const status = (v: GuardVerdict) => (v.ok ? 'ok' : v.status);

  it("answers another sandbox's token like an unknown sandbox", async () => {
    const v = await check({ 'x-access-token': 'token-b' }, '/process.Process/Start');
    assert.deepEqual(v, {
      ok: false,
      status: 502,
      body: { sandboxId: sandboxA.id, message: 'The sandbox was not found', code: 502 },
    });
    // A wrong token that is nobody's is left to envd's own 401.
    assert.equal(status(await check({ 'x-access-token': 'garbage' }, '/process.Process/Start')), 'ok');
  });

  it("answers another tenant's credentials like an unknown sandbox, on every port", async () => {
    for (const [url, port] of [
      ['/files?path=/etc/hostname', ENVD],
      ['/process.Process/Start', ENVD],
      ['/', 8000],
    ] as const) {
      assert.equal(status(await check({ 'x-api-key': keys.bDev! }, url, 'GET', port)), 502, url);
    }
  });

  it('checks the permission of what a same-tenant caller does', async () => {
    assert.equal(status(await check({ 'x-api-key': keys.aViewer! }, '/process.Process/Start')), 403);
    assert.equal(status(await check({ 'x-api-key': keys.aViewer! }, '/files?path=/x', 'POST')), 403);
    assert.equal(status(await check({ 'x-api-key': keys.aViewer! }, '/files?path=/x', 'GET')), 'ok');
    assert.equal(status(await check({ 'x-api-key': keys.aDev! }, '/process.Process/Start')), 'ok');
    assert.equal(status(await check({ 'x-api-key': `e2b_${'9'.repeat(40)}` }, '/files?path=/x', 'GET')), 401);
  });

  it('audits changes with the actor that made them', async () => {
    await check({ 'x-access-token': 'token-a' }, '/filesystem.Filesystem/Remove');
    const events = f.governance.audit.query({ resource: `sandbox/${sandboxA.id}`, limit: 50 }).events;
    const remove = events.find((e) => e.action === 'file.remove');
    assert.equal(remove?.actor, `sandbox-token:${sandboxA.id}`);
    assert.ok(events.some((e) => e.action === 'sandbox.exec' && e.actor.startsWith('key:')));
    assert.ok(events.some((e) => e.action === 'authz.denied'));
    assert.equal(events.filter((e) => e.action === 'file.read').length, 0, 'reads are not audited');
    const denied = f.governance.audit.query({ action: 'dataplane.denied', limit: 50 }).events;
    assert.ok(denied.some((e) => e.tenantId === 'tb' && e.actor === 'sandbox-token:sandboxb000000000001'));
  });
});
