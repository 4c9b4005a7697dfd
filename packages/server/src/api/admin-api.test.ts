import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addApiKey, generateApiKey } from '../auth/index.js';
import { unruledRoutes } from '../authz/index.js';
import { createGovernanceFixture, type GovernanceFixture } from '../testing/governance-fixture.js';
import { call, createTestApi } from '../testing/test-api.js';

interface KeyAnswer {
  id: string;
  key: string;
  prefix: string;
  role: string;
}

describe('admin API (in-process)', () => {
  let f: GovernanceFixture;
  let app: ReturnType<typeof createTestApi>;
  let owner: string;
  before(() => {
    f = createGovernanceFixture({ quotas: { maxSandboxes: 10 } });
    app = createTestApi(f);
    owner = generateApiKey();
    addApiKey(f.store, owner, { role: 'owner', name: 'test owner' });
  });
  after(() => f.close());

  it('every route the API serves has a permission rule', () => {
    assert.deepEqual(unruledRoutes(app.routes, f.governance.routes), []);
  });

  it('refuses missing, unknown and malformed credentials with 401, and audits them', async () => {
    assert.equal((await call(app, 'GET', '/admin/tenants')).status, 401);
    assert.equal((await call(app, 'GET', '/admin/tenants', { key: `e2b_${'1'.repeat(40)}` })).status, 401);
    assert.equal((await call(app, 'GET', '/admin/tenants', { bearer: 'not.a.jwt' })).status, 401);
    const failures = f.governance.audit.query({ action: 'auth.failure' });
    assert.ok(failures.events.length >= 3);
    assert.equal(failures.events[0]!.result, 'failure');
  });

  it('creates tenants, issues keys (shown once) and scopes everything to the caller', async () => {
    const created = await call(app, 'POST', '/admin/tenants', {
      key: owner,
      body: { name: 'Acme', quotas: { maxSandboxes: 2, maxVcpus: 4 } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const acme = created.body as { id: string; name: string; quotas: Record<string, number> };
    assert.equal(acme.name, 'Acme');
    assert.deepEqual(acme.quotas, { maxSandboxes: 2, maxVcpus: 4 });

    const issued = await call(app, 'POST', `/admin/tenants/${acme.id}/keys`, {
      key: owner,
      body: { role: 'admin' },
    });
    assert.equal(issued.status, 201);
    const acmeAdmin = issued.body as KeyAnswer;
    assert.match(acmeAdmin.key, /^e2b_[0-9a-f]{40}$/);
    assert.equal(acmeAdmin.prefix, acmeAdmin.key.slice(0, 12));
    const listed = await call(app, 'GET', `/admin/tenants/${acme.id}/keys`, { key: owner });
    assert.equal(JSON.stringify(listed.body).includes(acmeAdmin.key), false, 'the secret is never listed');

    // The tenant's admin sees its own tenant only; another tenant is "not found".
    const mine = await call(app, 'GET', '/admin/tenants', { key: acmeAdmin.key });
    assert.deepEqual(
      (mine.body as { tenants: { id: string }[] }).tenants.map((t) => t.id),
      [acme.id],
    );
    const other = await call(app, 'GET', '/admin/tenants/default', { key: acmeAdmin.key });
    assert.equal(other.status, 404);
    assert.equal((other.body as { error_code: string }).error_code, 'TENANT_NOT_FOUND');
    // Nor can it create tenants, raise its own quotas, or mint an owner key.
    assert.equal(
      (await call(app, 'POST', '/admin/tenants', { key: acmeAdmin.key, body: { name: 'x' } })).status,
      403,
    );
    const raise = await call(app, 'PATCH', `/admin/tenants/${acme.id}`, {
      key: acmeAdmin.key,
      body: { quotas: { maxSandboxes: 100 } },
    });
    assert.equal(raise.status, 403);
    const escalate = await call(app, 'POST', `/admin/tenants/${acme.id}/keys`, {
      key: acmeAdmin.key,
      body: { role: 'owner' },
    });
    assert.equal(escalate.status, 403);

    // Scoped keys: a subset of the role, never beyond it.
    const scoped = await call(app, 'POST', `/admin/tenants/${acme.id}/keys`, {
      key: acmeAdmin.key,
      body: { role: 'developer', scopes: ['sandbox:read'] },
    });
    assert.equal(scoped.status, 201);
    const whoami = await call(app, 'GET', '/admin/whoami', { key: (scoped.body as KeyAnswer).key });
    assert.deepEqual((whoami.body as { permissions: string[] }).permissions, ['sandbox:read']);
    const beyond = await call(app, 'POST', `/admin/tenants/${acme.id}/keys`, {
      key: acmeAdmin.key,
      body: { role: 'viewer', scopes: ['sandbox:create'] },
    });
    assert.equal(beyond.status, 400);

    // Revocation counts at once.
    const dev = (
      await call(app, 'POST', `/admin/tenants/${acme.id}/keys`, {
        key: acmeAdmin.key,
        body: { role: 'developer' },
      })
    ).body as KeyAnswer;
    assert.equal((await call(app, 'GET', '/admin/whoami', { key: dev.key })).status, 200);
    assert.equal((await call(app, 'DELETE', `/admin/keys/${dev.id}`, { key: acmeAdmin.key })).status, 204);
    assert.equal((await call(app, 'GET', '/admin/whoami', { key: dev.key })).status, 401);
    // Another tenant's key id is not found, not forbidden.
    const ownerKeyId = f.store.identities.listKeys('default')[0]!.id;
    const foreign = await call(app, 'DELETE', `/admin/keys/${ownerKeyId}`, { key: acmeAdmin.key });
    assert.equal(foreign.status, 404);
    assert.equal((foreign.body as { error_code: string }).error_code, 'KEY_NOT_FOUND');
  });

  it('expired keys are refused', async () => {
    const k = generateApiKey();
    addApiKey(f.store, k, {
      role: 'viewer',
      name: 'old',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    assert.equal((await call(app, 'GET', '/admin/whoami', { key: k })).status, 401);
  });

  it('manages users and custom roles without escalation', async () => {
    const t = (
      await call(app, 'POST', '/admin/tenants', { key: owner, body: { id: 'roles-co', name: 'Roles Co' } })
    ).body as { id: string };
    const role = await call(app, 'POST', `/admin/tenants/${t.id}/roles`, {
      key: owner,
      body: { name: 'runner', permissions: ['sandbox:create', 'sandbox:read', 'sandbox:execute'] },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const bad = await call(app, 'POST', `/admin/tenants/${t.id}/roles`, {
      key: owner,
      body: { name: 'broken', permissions: ['sandbox:fly'] },
    });
    assert.equal(bad.status, 400);
    const user = await call(app, 'POST', `/admin/tenants/${t.id}/users`, {
      key: owner,
      body: { name: 'Ann', subject: 'ann@example.com', role: 'runner' },
    });
    assert.equal(user.status, 201);
    const userId = (user.body as { id: string }).id;
    const k = (
      await call(app, 'POST', `/admin/tenants/${t.id}/keys`, { key: owner, body: { role: 'runner', userId } })
    ).body as KeyAnswer;
    const who = (await call(app, 'GET', '/admin/whoami', { key: k.key })).body as {
      permissions: string[];
      userId: string;
    };
    assert.deepEqual(who.permissions, ['sandbox:create', 'sandbox:read', 'sandbox:execute']);
    assert.equal(who.userId, userId);
    // The role is held: it cannot be deleted. Disabling the user refuses its key at once.
    assert.equal(
      (await call(app, 'DELETE', `/admin/tenants/${t.id}/roles/runner`, { key: owner })).status,
      409,
    );
    await call(app, 'PATCH', `/admin/users/${userId}`, { key: owner, body: { disabled: true } });
    assert.equal((await call(app, 'GET', '/admin/whoami', { key: k.key })).status, 401);
    const roles = (await call(app, 'GET', `/admin/tenants/${t.id}/roles`, { key: owner })).body as {
      roles: { name: string; source: string }[];
    };
    assert.deepEqual(
      roles.roles.map((r) => `${r.name}:${r.source}`),
      ['owner:builtin', 'admin:builtin', 'developer:builtin', 'viewer:builtin', 'runner:tenant'],
    );
  });

  it('deletes a tenant: its keys stop working, its id stays taken', async () => {
    const t = (
      await call(app, 'POST', '/admin/tenants', { key: owner, body: { id: 'gone-co', name: 'Gone' } })
    ).body as { id: string };
    const k = (
      await call(app, 'POST', `/admin/tenants/${t.id}/keys`, { key: owner, body: { role: 'owner' } })
    ).body as KeyAnswer;
    f.addSandbox('gonesandbox1', t.id);
    const busy = await call(app, 'DELETE', `/admin/tenants/${t.id}`, { key: owner });
    assert.equal(busy.status, 409);
    assert.equal(
      (await call(app, 'DELETE', `/admin/tenants/${t.id}?force=true`, { key: owner })).status,
      204,
    );
    assert.equal(f.store.getSandbox('gonesandbox1')?.state, 'killed');
    assert.equal((await call(app, 'GET', '/admin/whoami', { key: k.key })).status, 401);
    assert.equal((await call(app, 'GET', `/admin/tenants/${t.id}`, { key: owner })).status, 404);
    const again = await call(app, 'POST', '/admin/tenants', {
      key: owner,
      body: { id: 'gone-co', name: 'Again' },
    });
    assert.equal(again.status, 409);
    assert.equal((await call(app, 'DELETE', '/admin/tenants/default', { key: owner })).status, 409);
  });

  it('audits mutating requests with actor, resource and result; pages with a cursor; verifies', async () => {
    const page1 = await call(app, 'GET', '/admin/audit?action=tenant.*&limit=2', { key: owner });
    assert.equal(page1.status, 200);
    const p1 = page1.body as {
      events: { action: string; actor: string; resource: string; seq: number }[];
      nextCursor: string;
    };
    assert.equal(p1.events.length, 2);
    assert.ok(p1.nextCursor);
    assert.ok(p1.events.every((e) => e.action.startsWith('tenant.')));
    assert.ok(p1.events[0]!.seq > p1.events[1]!.seq, 'newest first');
    const p2 = (
      await call(app, 'GET', `/admin/audit?action=tenant.*&limit=2&cursor=${p1.nextCursor}`, { key: owner })
    ).body as { events: { seq: number }[] };
    assert.ok(p2.events.length > 0 && p2.events[0]!.seq < p1.events[1]!.seq);
    const created = (
      await call(app, 'GET', '/admin/audit?action=tenant.create&resource=tenant/roles-co', { key: owner })
    ).body as { events: { actor: string; tenantId: string; result: string }[] };
    assert.equal(created.events.length, 1);
    assert.match(created.events[0]!.actor, /^key:/);
    assert.equal(created.events[0]!.tenantId, 'roles-co');
    assert.equal(created.events[0]!.result, 'success');
    const verify = (await call(app, 'GET', '/admin/audit/verify', { key: owner })).body as {
      ok: boolean;
      checked: number;
    };
    assert.equal(verify.ok, true);
    assert.ok(verify.checked > 10);
    const csv = await call(app, 'GET', '/admin/audit/export?format=csv&action=tenant.create', { key: owner });
    assert.equal(csv.status, 200);
    const lines = (csv.body as string).trim().split('\r\n');
    assert.match(lines[0]!, /^seq,id,time,actor,tenantId,action/);
    assert.ok(lines.length >= 4);
  });

  it('reports usage as JSON and CSV', async () => {
    const t = (
      await call(app, 'POST', '/admin/tenants', { key: owner, body: { id: 'meter-co', name: 'Meter' } })
    ).body as { id: string };
    f.usage.set('metersandbox1', { cpuUsageUs: 0, memoryUsedBytes: 64 * 2 ** 20 });
    f.addSandbox('metersandbox1', t.id);
    f.usage.set('metersandbox1', { cpuUsageUs: 2_500_000, memoryUsedBytes: 64 * 2 ** 20 });
    const json = await call(app, 'GET', `/admin/usage?tenant=${t.id}&granularity=total`, { key: owner });
    assert.equal(json.status, 200);
    const rows = (json.body as { rows: { tenantId: string; cpuSeconds: number; sandboxes: number }[] }).rows;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.tenantId, t.id);
    assert.equal(rows[0]!.cpuSeconds, 2.5);
    const csv = await call(app, 'GET', `/admin/usage?tenant=${t.id}&format=csv`, { key: owner });
    assert.match(
      csv.body as string,
      /^tenantId,periodStart,periodEnd,cpuSeconds,memoryMiBSeconds,sandboxSeconds,sandboxes\r\nmeter-co,/,
    );
  });
});
