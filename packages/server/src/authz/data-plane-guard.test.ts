import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
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

describe("data-plane guard: an app's own Authorization", () => {
  const SECRET = 'guard-test-secret-long-enough-0123456789abcdef';
  let f: GovernanceFixture;
  let guard: DataPlaneGuard;
  const sign = (claims: Record<string, unknown>, secret = SECRET, iss?: string) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m');
    if (iss) jwt.setIssuer(iss);
    return jwt.sign(new TextEncoder().encode(secret));
  };
  before(() => {
    f = createGovernanceFixture({ auth: { jwt: { hs256Secrets: [SECRET], issuer: 'soulbox-test' } } });
    f.store.tenants.insert({ id: 'ta', name: 'ta', quotas: {}, createdAt: new Date().toISOString() });
    f.addSandbox('sandboxa000000000002', 'ta', { accessToken: 'token-a' });
    guard = createDataPlaneGuard({
      store: f.store,
      authenticator: f.governance.authenticator,
      audit: f.governance.audit,
      auditChanges: false,
      requireClientCert: false,
      logger: silentLogger,
    });
  });
  after(() => f.close());
  const sbx = { id: 'sandboxa000000000002', tenantId: 'ta', accessToken: 'token-a' };
  const check = async (authorization: string, port: number) =>
    (await guard.check(
      { method: 'GET', url: '/', headers: { authorization }, socket: new Socket() },
      sbx,
      port,
    )) as GuardVerdict;

  it("passes a bearer token that is not SoulBox's through to the app, unused", async () => {
    // Signed by someone else, for another issuer: the app's own token.
    const appToken = await sign({ sub: 'app-user' }, 'another-secret-that-is-long-enough-000000', 'my-app');
    assert.deepEqual(await check(`Bearer ${appToken}`, 8000), { ok: true, soulboxBearer: false });
    assert.deepEqual(await check('Bearer opaque-app-token', 8000), { ok: true, soulboxBearer: false });
    assert.deepEqual(await check('Basic dXNlcjpwdw==', 8000), { ok: true, soulboxBearer: false });
  });

  it("authenticates SoulBox's own bearer token on a port, and marks it for removal", async () => {
    const own = await sign({ sub: 'dev', tenant: 'ta', roles: ['developer'] }, SECRET, 'soulbox-test');
    assert.deepEqual(await check(`Bearer ${own}`, 8000), { ok: true, soulboxBearer: true });
    // Naming SoulBox's issuer makes it SoulBox's even when it fails: refused, never forwarded.
    const forged = await sign(
      { sub: 'dev', tenant: 'ta' },
      'forged-secret-that-is-long-enough-0000000',
      'soulbox-test',
    );
    assert.equal(((await check(`Bearer ${forged}`, 8000)) as { status?: number }).status, 401);
    // Another tenant's token: the sandbox "does not exist".
    const other = await sign({ sub: 'x', tenant: 'default', roles: ['owner'] }, SECRET, 'soulbox-test');
    assert.equal(((await check(`Bearer ${other}`, 8000)) as { status?: number }).status, 502);
  });
});
