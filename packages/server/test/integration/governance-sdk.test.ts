import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin } from '../../../sdk/src/admin/index.js';
import { createApiClient } from '../../../sdk/src/api-client.js';
import { resolveConnection } from '../../../sdk/src/connection.js';
import { SoulBoxClientError } from '../../../sdk/src/errors.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';

const adminFor = (t: TestServer, apiKey: string) =>
  new Admin(createApiClient(resolveConnection({ apiUrl: t.url, apiKey })));

async function apiError(p: Promise<unknown>): Promise<SoulBoxClientError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SoulBoxClientError) return err;
    throw err;
  }
  throw new Error('the call succeeded');
}

describe('governance: the @soulbox/sdk admin client against a real server', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ pool: { enabled: false } });
  });
  after(() => t?.close());

  it('covers tenants, quotas, keys, users, roles, audit and usage', async () => {
    const op = adminFor(t, t.apiKey);
    const me = await op.whoami();
    assert.equal(me.operator, true);
    assert.ok(me.roles.includes('owner'));

    const id = `sdk-${Math.random().toString(36).slice(2, 8)}`;
    const tenant = await op.tenants.create({ id, name: 'SDK Co', quotas: { maxSandboxes: 3 } });
    assert.deepEqual([tenant.id, tenant.quotas], [id, { maxSandboxes: 3 }]);
    assert.ok((await op.tenants.list()).some((x) => x.id === id));
    assert.equal(
      (await op.tenants.update(id, { name: 'SDK Company', quotas: { maxVcpus: 8 } })).name,
      'SDK Company',
    );
    const q = await op.tenants.setQuotas(id, { maxSandboxes: 5, maxLifetimeS: 3600 });
    assert.deepEqual(q.quotas, { maxSandboxes: 5, maxLifetimeS: 3600 });
    assert.deepEqual((await op.tenants.quotas(id)).allocated, {
      sandboxes: 0,
      vcpus: 0,
      memoryMiB: 0,
      diskMiB: 0,
    });

    const role = await op.roles.define(id, 'auditor', ['audit:read', 'sandbox:read', 'tenant:read']);
    assert.equal(role.source, 'tenant');
    assert.ok((await op.roles.list(id)).some((r) => r.name === 'auditor'));
    assert.ok((await op.roles.listGlobal()).every((r) => r.source !== 'tenant'));
    const user = await op.users.create(id, { name: 'Ada', role: 'auditor', subject: 'ada' });
    const issued = await op.keys.issue(id, {
      role: 'auditor',
      userId: user.id,
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    assert.match(issued.key, /^e2b_[0-9a-f]{40}$/);
    assert.equal((await op.keys.get(issued.id)).status, 'active');
    assert.ok((await op.keys.list(id)).some((k) => k.id === issued.id && k.userId === user.id));

    const ada = adminFor(t, issued.key);
    const adaMe = await ada.whoami();
    assert.deepEqual([adaMe.tenantId, adaMe.userId, adaMe.operator], [id, user.id, false]);
    const hidden = await apiError(ada.tenants.get('default'));
    assert.deepEqual([hidden.status, hidden.code], [404, 'TENANT_NOT_FOUND']);
    const forbidden = await apiError(ada.keys.issue(id, { role: 'auditor' }));
    assert.deepEqual([forbidden.status, forbidden.code], [403, 'FORBIDDEN']);
    const seen: string[] = [];
    for await (const e of op.audit.events({ tenant: id, pageSize: 2 })) seen.push(e.action);
    assert.ok(
      seen.includes('tenant.create') && seen.includes('key.create') && seen.includes('role.create'),
      seen.join(),
    );
    const own = await ada.audit.query({ limit: 5 });
    assert.ok(own.events.every((e) => e.tenantId === id));
    assert.equal((await op.audit.verify()).ok, true);
    const csv = await op.audit.export({ tenant: id, format: 'csv' });
    assert.match(csv, /^seq,id,time,actor,tenantId,action,resource,result/);

    const report = await op.usage.report({ tenant: id, granularity: 'total' });
    assert.deepEqual(report.rows, []);
    assert.match(await op.usage.csv({ tenant: id }), /^tenantId,periodStart/);

    await op.users.update(user.id, { disabled: true });
    assert.equal((await apiError(ada.whoami())).code, 'UNAUTHENTICATED');
    await op.users.update(user.id, { disabled: false });
    await op.keys.revoke(issued.id);
    assert.equal((await apiError(ada.whoami())).status, 401);
    await op.users.delete(user.id);
    await op.roles.delete(id, 'auditor');
    await op.tenants.delete(id);
    assert.equal((await apiError(op.tenants.get(id))).code, 'TENANT_NOT_FOUND');
  });
});
