import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { adminCall, createTenant, issueKey } from '../helpers/admin.js';
import { startTestServer, TEST_DATA_DIR, type TestServer } from '../helpers/harness.js';
import { conn, killQuietly, rejection, SDKS, type Sdk, sandboxHeaders } from '../helpers/sdk.js';

/** Looks like a sandbox id but never existed. */
const UNKNOWN_ID = 'zzzzzzzzzzzzzzzzzzzz';
const ENVD_PORT = 49983;
const sdk: Sdk = SDKS[0]!.sdk;

interface AuditEventWire {
  id: string;
  actor: string;
  tenantId: string;
  action: string;
  resource: string;
  result: string;
  sourceIp: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
}

/** A data-plane request aimed at `sandboxId`, as raw as it gets. */
async function dataPlane(
  t: TestServer,
  sandboxId: string,
  port: number,
  p: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${t.url}${p}`, {
    method: init.method ?? 'GET',
    headers: { ...sandboxHeaders(sandboxId, port), ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return { status: res.status, body: await res.text() };
}

const startBody = JSON.stringify({ process: { cmd: '/bin/echo', args: ['pwned'] } });
const connectJson = { 'Content-Type': 'application/json', 'Connect-Protocol-Version': '1' };

describe('governance: tenants, RBAC, quotas, audit', () => {
  let t: TestServer;
  let tenantA: string;
  let tenantB: string;
  let aDev: { key: string; id: string };
  let aViewer: { key: string; id: string };
  let bDev: { key: string; id: string };
  before(async () => {
    t = await startTestServer();
    tenantA = await createTenant(t, 'gov-a');
    tenantB = await createTenant(t, 'gov-b');
    aDev = await issueKey(t, tenantA, 'developer');
    aViewer = await issueKey(t, tenantA, 'viewer');
    bDev = await issueKey(t, tenantB, 'developer');
  });
  after(() => t?.close());

  it('another tenant gets "not found" on every route, never 403 (official SDK 2.51)', async () => {
    const asA = { ...conn(t), apiKey: aDev.key };
    const asB = { ...conn(t), apiKey: bDev.key };
    const sbxA = await sdk.Sandbox.create(asA);
    const sbxB = await sdk.Sandbox.create(asB);
    try {
      const idA = sbxA.sandboxId;
      // List: B never sees A's sandbox.
      const listedB = (await sdk.Sandbox.list(asB).nextItems()).map((s) => s.sandboxId);
      assert.ok(listedB.includes(sbxB.sandboxId));
      assert.ok(!listedB.includes(idA), 'B lists only its own sandboxes');
      const listedA = (await sdk.Sandbox.list(asA).nextItems()).map((s) => s.sandboxId);
      assert.deepEqual(listedA, [idA]);

      // Get, connect, metrics, timeout: the same error as for an id that never existed.
      const same = async (what: string, attempt: (id: string) => Promise<unknown>) => {
        const cross = await rejection(attempt(idA));
        const unknown = await rejection(attempt(UNKNOWN_ID));
        assert.equal(cross.name, unknown.name, `${what}: ${cross.message}`);
        assert.ok(cross instanceof sdk.NotFoundError, `${what}: ${cross.name}: ${cross.message}`);
        assert.doesNotMatch(cross.message, /403|forbidden|permission/i, what);
      };
      await same('getInfo', (id) => sdk.Sandbox.getInfo(id, asB));
      await same('connect', (id) => sdk.Sandbox.connect(id, asB));
      await same('getMetrics', (id) => sdk.Sandbox.getMetrics(id, asB));
      await same('setTimeout', (id) => sdk.Sandbox.setTimeout(id, 60_000, asB));
      // Kill: the SDK's "not found" answer is false, and A's sandbox lives on.
      assert.equal(await sdk.Sandbox.kill(idA, asB), false);
      assert.equal((await sdk.Sandbox.getInfo(idA, asA)).sandboxId, idA);

      // The raw REST answers: 404 with E2B's body, including pause and resume.
      for (const [method, p] of [
        ['GET', `/sandboxes/${idA}`],
        ['DELETE', `/sandboxes/${idA}`],
        ['POST', `/sandboxes/${idA}/pause`],
        ['POST', `/sandboxes/${idA}/resume`],
        ['POST', `/sandboxes/${idA}/timeout`],
        ['GET', `/sandboxes/${idA}/metrics`],
        ['GET', `/sandboxes/${idA}/logs`],
      ] as const) {
        const r = await adminCall<{ code: number }>(t, method, p, {
          key: bDev.key,
          ...(method === 'POST' ? { body: { timeout: 30 } } : {}),
        });
        assert.equal(r.status, 404, `${method} ${p}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 404);
      }

      // Data plane: B's envd token aimed at A's sandbox, through the SDK: the same failure as
      // for a sandbox that does not exist.
      const tokenB = (
        await adminCall<{ envdAccessToken: string }>(t, 'GET', `/sandboxes/${sbxB.sandboxId}`, {
          key: bDev.key,
        })
      ).body.envdAccessToken;
      assert.ok(tokenB);
      const aimed = (sandboxId: string) =>
        new sdk.Sandbox({ ...asB, sandboxId, envdAccessToken: tokenB, envdVersion: '0.6.4' });
      const forged = aimed(idA);
      const ghost = aimed(UNKNOWN_ID);
      const commands = [
        await rejection(forged.commands.run('id')),
        await rejection(ghost.commands.run('id')),
      ];
      assert.equal(commands[0]!.name, commands[1]!.name, commands[0]!.message);
      const reads = [
        await rejection(forged.files.read('/etc/hostname')),
        await rejection(ghost.files.read('/etc/hostname')),
      ];
      assert.equal(reads[0]!.name, reads[1]!.name, reads[0]!.message);
      const writes = [
        await rejection(forged.files.write('/tmp/x', 'pwned')),
        await rejection(ghost.files.write('/tmp/x', 'pwned')),
      ];
      assert.equal(writes[0]!.name, writes[1]!.name, writes[0]!.message);
      for (const e of [...commands, ...reads, ...writes]) assert.doesNotMatch(e.message, /403|forbidden/i);

      // The raw data-plane answers are byte-for-byte those of an unknown sandbox.
      const notFound = (id: string) => ({
        status: 502,
        body: JSON.stringify({ sandboxId: id, message: 'The sandbox was not found', code: 502 }),
      });
      const attempts: [
        string,
        number,
        string,
        { method?: string; headers?: Record<string, string>; body?: string },
      ][] = [
        ['files', ENVD_PORT, '/files?path=/etc/hostname', { headers: { 'X-Access-Token': tokenB } }],
        [
          'commands',
          ENVD_PORT,
          '/process.Process/Start',
          { method: 'POST', headers: { ...connectJson, 'X-Access-Token': tokenB }, body: startBody },
        ],
        ['ports', 8000, '/', { headers: { 'X-Access-Token': tokenB } }],
        ['files with B key', ENVD_PORT, '/files?path=/etc/hostname', { headers: { 'X-API-KEY': bDev.key } }],
        [
          'commands with B key',
          ENVD_PORT,
          '/process.Process/Start',
          { method: 'POST', headers: { ...connectJson, 'X-API-KEY': bDev.key }, body: startBody },
        ],
        ['ports with B key', 8000, '/', { headers: { 'X-API-KEY': bDev.key } }],
      ];
      for (const [what, port, p, init] of attempts) {
        assert.deepEqual(await dataPlane(t, idA, port, p, init), notFound(idA), what);
        assert.deepEqual(
          await dataPlane(t, UNKNOWN_ID, port, p, init),
          notFound(UNKNOWN_ID),
          `${what} (unknown id)`,
        );
      }

      // A's own credentials keep working; a viewer of A gets a plain 403 on its own sandbox.
      const tokenA = (
        await adminCall<{ envdAccessToken: string }>(t, 'GET', `/sandboxes/${idA}`, { key: aDev.key })
      ).body.envdAccessToken;
      assert.equal((await sbxA.commands.run('echo still-mine')).stdout.trim(), 'still-mine');
      await sbxA.files.write('/tmp/mine.txt', 'mine');
      assert.equal(await sbxA.files.read('/tmp/mine.txt'), 'mine');
      const viewerWrite = await dataPlane(t, idA, ENVD_PORT, '/process.Process/Start', {
        method: 'POST',
        headers: { ...connectJson, 'X-API-KEY': aViewer.key, 'X-Access-Token': tokenA },
        body: startBody,
      });
      assert.equal(viewerWrite.status, 403, viewerWrite.body);
      const viewerRead = await dataPlane(t, idA, ENVD_PORT, '/files?path=/tmp/mine.txt', {
        headers: { 'X-API-KEY': aViewer.key, 'X-Access-Token': tokenA },
      });
      assert.equal(viewerRead.status, 200, viewerRead.body);
      assert.equal(viewerRead.body, 'mine');
    } finally {
      await killQuietly(sdk, { ...t, sdk: { ...t.sdk, apiKey: aDev.key } }, sbxA.sandboxId);
      await killQuietly(sdk, { ...t, sdk: { ...t.sdk, apiKey: bDev.key } }, sbxB.sandboxId);
    }
  });

  it('another tenant gets "not found" with the official SDK 2.39 too', async () => {
    const legacy = SDKS[1]!.sdk;
    const sbxA = await legacy.Sandbox.create({ ...conn(t), apiKey: aDev.key });
    try {
      const asB = { ...conn(t), apiKey: bDev.key };
      const listed = (await legacy.Sandbox.list(asB).nextItems()).map((s) => s.sandboxId);
      assert.ok(!listed.includes(sbxA.sandboxId));
      assert.ok(
        (await rejection(legacy.Sandbox.getInfo(sbxA.sandboxId, asB))) instanceof legacy.NotFoundError,
      );
      assert.ok(
        (await rejection(legacy.Sandbox.connect(sbxA.sandboxId, asB))) instanceof legacy.NotFoundError,
      );
      assert.equal(await legacy.Sandbox.kill(sbxA.sandboxId, asB), false);
      assert.equal((await sbxA.commands.run('echo alive')).stdout.trim(), 'alive');
    } finally {
      await legacy.Sandbox.kill(sbxA.sandboxId, { ...conn(t), apiKey: aDev.key }).catch(() => false);
    }
  });

  it('a viewer cannot create, a scoped key cannot exceed its scope, a revoked key stops at once', async () => {
    const viewerErr = await rejection(sdk.Sandbox.create({ ...conn(t), apiKey: aViewer.key }));
    assert.match(viewerErr.message, /403.*sandbox:create/, viewerErr.message);
    assert.ok(Array.isArray(await sdk.Sandbox.list({ ...conn(t), apiKey: aViewer.key }).nextItems()));

    const readOnly = await issueKey(t, tenantA, 'developer', { scopes: ['sandbox:read'] });
    const scopedErr = await rejection(sdk.Sandbox.create({ ...conn(t), apiKey: readOnly.key }));
    assert.match(scopedErr.message, /403.*sandbox:create/);
    assert.ok(Array.isArray(await sdk.Sandbox.list({ ...conn(t), apiKey: readOnly.key }).nextItems()));
    // It cannot issue itself more either.
    const selfIssue = await adminCall(t, 'POST', `/admin/tenants/${tenantA}/keys`, {
      key: readOnly.key,
      body: { role: 'developer' },
    });
    assert.equal(selfIssue.status, 403);

    const doomed = await issueKey(t, tenantA, 'developer');
    assert.ok(Array.isArray(await sdk.Sandbox.list({ ...conn(t), apiKey: doomed.key }).nextItems()));
    assert.equal((await adminCall(t, 'DELETE', `/admin/keys/${doomed.id}`)).status, 204);
    const revoked = await rejection(sdk.Sandbox.list({ ...conn(t), apiKey: doomed.key }).nextItems());
    assert.ok(revoked instanceof sdk.AuthenticationError, `${revoked.name}: ${revoked.message}`);
    const expired = await issueKey(t, tenantA, 'developer', {
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    await new Promise((r) => setTimeout(r, 1600));
    assert.ok(
      (await rejection(sdk.Sandbox.list({ ...conn(t), apiKey: expired.key }).nextItems())) instanceof
        sdk.AuthenticationError,
    );
  });

  it('quotas hold under concurrent creates: no interleaving lets a tenant exceed them', async () => {
    const q = await createTenant(t, 'gov-quota', { maxSandboxes: 2 });
    const key = (await issueKey(t, q, 'developer')).key;
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => sdk.Sandbox.create({ ...conn(t), apiKey: key })),
    );
    const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    try {
      assert.equal(created.length, 2, 'exactly maxSandboxes creates succeed');
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        assert.ok(r.reason instanceof sdk.RateLimitError, `${r.reason}`);
        assert.match((r.reason as Error).message, /maxSandboxes/);
      }
      const quotas = await adminCall<{ allocated: { sandboxes: number } }>(
        t,
        'GET',
        `/admin/tenants/${q}/quotas`,
      );
      assert.equal(quotas.body.allocated.sandboxes, 2);
      // Killing one frees its share.
      await created.pop()!.kill();
      created.push(await sdk.Sandbox.create({ ...conn(t), apiKey: key }));
      assert.equal(
        (await adminCall<{ allocated: { sandboxes: number } }>(t, 'GET', `/admin/tenants/${q}/quotas`)).body
          .allocated.sandboxes,
        2,
      );
    } finally {
      for (const s of created) await s.kill().catch(() => false);
    }
  });

  it('vCPU, lifetime and create-rate quotas refuse with 429 naming the limit', async () => {
    const q = await createTenant(t, 'gov-limits', { maxVcpus: 1, maxLifetimeS: 60, createsPerMinute: 1 });
    const key = (await issueKey(t, q, 'developer')).key;
    const create = (body: Record<string, unknown>) =>
      adminCall<{ code: number; message: string; error_code: string; sandboxID: string }>(
        t,
        'POST',
        '/v2/sandboxes',
        {
          key,
          body: { templateID: 'base', ...body },
        },
      );
    const longLived = await create({ timeout: 120, cpuCount: 1 });
    assert.equal(longLived.status, 429);
    assert.deepEqual([longLived.body.code, longLived.body.error_code], [429, 'QUOTA_EXCEEDED']);
    assert.match(longLived.body.message, /maxLifetimeS is 60/);
    const big = await create({ timeout: 30, cpuCount: 2 });
    assert.equal(big.status, 429);
    assert.match(big.body.message, /maxVcpus is 1/);
    const ok = await create({ timeout: 30, cpuCount: 1 });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const id = ok.body.sandboxID;
    try {
      const extend = await adminCall<{ message: string }>(t, 'POST', `/sandboxes/${id}/timeout`, {
        key,
        body: { timeout: 120 },
      });
      assert.equal(extend.status, 429);
      assert.match(extend.body.message, /maxLifetimeS/);
      // connect never fails for it: it extends as far as the lifetime allows.
      const connected = await adminCall<{ sandboxID: string }>(t, 'POST', `/sandboxes/${id}/connect`, {
        key,
        body: { timeout: 3600 },
      });
      assert.equal(connected.status, 200);
      const info = await adminCall<{ startedAt: string; endAt: string }>(t, 'GET', `/sandboxes/${id}`, {
        key,
      });
      assert.ok(
        Date.parse(info.body.endAt) - Date.parse(info.body.startedAt) <= 61_000,
        JSON.stringify(info.body),
      );
      assert.equal((await adminCall(t, 'DELETE', `/sandboxes/${id}`, { key })).status, 204);
      const rate = await create({ timeout: 30, cpuCount: 1 });
      assert.equal(rate.status, 429);
      assert.match(rate.body.message, /createsPerMinute is 1/);
      assert.match(rate.headers.get('retry-after') ?? '', /^\d+$/);
    } finally {
      await adminCall(t, 'DELETE', `/sandboxes/${id}`, { key });
    }
  });

  it('the audit log records who did what, verifies, and detects a row edited in the database', async () => {
    const creates = await adminCall<{ events: AuditEventWire[] }>(
      t,
      'GET',
      `/admin/audit?tenant=${tenantA}&action=sandbox.create&actor=key:${aDev.id}`,
    );
    assert.ok(creates.body.events.length >= 1, JSON.stringify(creates.body));
    const ev = creates.body.events[0]!;
    assert.equal(ev.result, 'success');
    assert.match(ev.resource, /^sandbox\/[a-z0-9]{20}$/);
    assert.equal(ev.sourceIp?.replace('::ffff:', ''), '127.0.0.1');
    assert.ok(ev.requestId);
    const lifecycle = await adminCall<{ events: AuditEventWire[] }>(
      t,
      'GET',
      `/admin/audit?resource=${ev.resource}`,
    );
    const actions = lifecycle.body.events.map((e) => e.action);
    assert.ok(actions.includes('sandbox.created') && actions.includes('sandbox.killed'), actions.join());
    const denied = await adminCall<{ events: AuditEventWire[] }>(
      t,
      'GET',
      `/admin/audit?tenant=${tenantB}&action=dataplane.denied`,
    );
    assert.ok(denied.body.events.length >= 3, 'cross-tenant data-plane attempts are audited');
    const failures = await adminCall<{ events: AuditEventWire[] }>(
      t,
      'GET',
      '/admin/audit?action=auth.failure&limit=5',
    );
    assert.ok(failures.body.events.length >= 1);
    // A tenant's admin sees only its own tenant's events.
    const aAdmin = await issueKey(t, tenantA, 'admin');
    const own = await adminCall<{ events: AuditEventWire[] }>(t, 'GET', '/admin/audit?limit=50', {
      key: aAdmin.key,
    });
    assert.ok(own.body.events.every((e) => e.tenantId === tenantA));
    assert.equal(
      (await adminCall(t, 'GET', `/admin/audit?tenant=${tenantB}`, { key: aAdmin.key })).status,
      404,
    );
    assert.equal((await adminCall(t, 'GET', '/admin/audit/verify', { key: aAdmin.key })).status, 403);

    const verified = await adminCall<{ ok: boolean; checked: number }>(t, 'GET', '/admin/audit/verify');
    assert.equal(verified.body.ok, true, JSON.stringify(verified.body));
    // Tamper with the database directly: drop the append-only triggers, edit one row.
    const db = new Database(path.join(TEST_DATA_DIR, 'soulbox.db'));
    try {
      const row = db.prepare('SELECT id, actor FROM audit_events WHERE id = ?').get(ev.id) as {
        id: string;
        actor: string;
      };
      assert.throws(
        () => db.prepare("UPDATE audit_events SET actor = 'x' WHERE id = ?").run(ev.id),
        /append-only/,
      );
      db.exec('DROP TRIGGER audit_events_no_update');
      try {
        db.prepare("UPDATE audit_events SET actor = 'key:someone-else' WHERE id = ?").run(ev.id);
        const broken = await adminCall<{ ok: boolean; firstBadId: string; reason: string }>(
          t,
          'GET',
          '/admin/audit/verify',
        );
        assert.equal(broken.body.ok, false);
        assert.equal(broken.body.firstBadId, ev.id);
        assert.match(broken.body.reason, /edited/);
      } finally {
        db.prepare('UPDATE audit_events SET actor = ? WHERE id = ?').run(row.actor, row.id);
        db.exec(`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;`);
      }
    } finally {
      db.close();
    }
    assert.equal((await adminCall<{ ok: boolean }>(t, 'GET', '/admin/audit/verify')).body.ok, true);
    const jsonl = await adminCall<string>(t, 'GET', `/admin/audit/export?tenant=${tenantA}`);
    assert.equal(jsonl.status, 200);
    assert.ok(
      jsonl.body
        .trim()
        .split('\n')
        .every((l) => (JSON.parse(l) as AuditEventWire).tenantId === tenantA),
    );
  });
});
