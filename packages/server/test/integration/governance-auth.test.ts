import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT } from 'jose';
import { type OidcFixture, startOidcIssuer } from '../../src/testing/oidc-fixture.js';
import { adminCall, createTenant, issueKey } from '../helpers/admin.js';
import { createTestPki, type TestPki } from '../helpers/certs.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { conn, rejection, SDKS, type Sdk, sandboxHeaders } from '../helpers/sdk.js';

const SECRET = 'integration-hs256-secret-0123456789-abcdef';
const sdk: Sdk = SDKS[0]!.sdk;

/** An HTTPS request to the TLS listener, optionally with a client certificate. */
function tlsRequest(
  url: string,
  pki: TestPki,
  opts: {
    method?: string;
    path: string;
    cert?: { cert: string; key: string };
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${url}${opts.path}`,
      {
        method: opts.method ?? 'GET',
        ca: [readFileSync(pki.caCert, 'utf8')],
        headers: opts.headers ?? {},
        agent: false,
        ...(opts.cert ? { cert: opts.cert.cert, key: opts.cert.key } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body === undefined ? undefined : Buffer.from(opts.body, 'latin1'));
  });
}

describe('governance: JWT, OIDC and mTLS authentication', () => {
  let t: TestServer;
  let idp: OidcFixture;
  let pki: TestPki;
  let tenant: string;
  const hs256 = (claims: Record<string, unknown>, mutate: (j: SignJWT) => SignJWT = (j) => j) =>
    mutate(
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('soulbox-it')
        .setAudience('soulbox')
        .setSubject('alice')
        .setExpirationTime('5m'),
    ).sign(new TextEncoder().encode(SECRET));
  const whoami = (headers: Record<string, string>) =>
    fetch(`${t.url}/admin/whoami`, { headers }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
    }));

  before(async () => {
    idp = await startOidcIssuer();
    pki = createTestPki();
    t = await startTestServer({
      auth: {
        jwt: {
          hs256Secrets: [SECRET],
          issuer: 'soulbox-it',
          audience: 'soulbox',
          oidc: [{ issuer: idp.issuer, audience: 'soulbox', algorithms: ['ES256'] }],
          jwksCooldownMs: 0,
          clockToleranceS: 0,
        },
      },
      tls: { port: 0, certFile: pki.serverCert, keyFile: pki.serverKey, clientCaFile: pki.caCert },
    });
    tenant = await createTenant(t, 'gov-auth');
  });
  after(async () => {
    await t?.close();
    await idp?.close();
    pki?.close();
  });

  it('accepts an HS256 bearer token and maps its claims; the official SDK works with it', async () => {
    const token = await hs256({ tenant, roles: ['developer'] });
    const me = await whoami({ Authorization: `Bearer ${token}` });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.deepEqual(
      [me.body.actor, me.body.tenantId, me.body.method],
      ['jwt:soulbox-it#alice', tenant, 'jwt'],
    );
    // The SDK needs some API key; a wrong one is simply the first method that fails.
    const sbx = await sdk.Sandbox.create({
      ...conn(t),
      apiKey: 'e2b_not_a_key',
      headers: { Authorization: `Bearer ${token}` },
    });
    try {
      assert.equal((await sbx.commands.run('echo via-jwt')).stdout.trim(), 'via-jwt');
      const info = await adminCall<{ events: { actor: string }[] }>(
        t,
        'GET',
        `/admin/audit?resource=sandbox/${sbx.sandboxId}&action=sandbox.create`,
      );
      assert.equal(info.body.events[0]?.actor, 'jwt:soulbox-it#alice');
    } finally {
      await sbx.kill();
    }
  });

  it('refuses expired, not-yet-valid, malformed, forged, unsigned, wrong-audience and unknown-issuer tokens', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    const good = await hs256({ tenant, roles: ['developer'] });
    const [h, p] = good.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), roles: ['owner'] }),
    ).toString('base64url');
    const tokens: Record<string, string> = {
      expired: await hs256({ tenant, roles: ['developer'] }, (j) => j.setExpirationTime(past)),
      'not yet valid': await hs256({ tenant, roles: ['developer'] }, (j) => j.setNotBefore('10m')),
      malformed: 'eyJhbGciOiJIUzI1NiJ9.not-json.x',
      forged: `${h}.${forgedPayload}.${good.split('.')[2]}`,
      'alg none': new UnsecuredJWT({ tenant, roles: ['owner'] })
        .setIssuer('soulbox-it')
        .setAudience('soulbox')
        .setSubject('alice')
        .setExpirationTime('5m')
        .encode(),
      'wrong secret': await new SignJWT({ tenant, roles: ['owner'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('soulbox-it')
        .setAudience('soulbox')
        .setSubject('alice')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('another-secret-that-is-long-enough-0123456789')),
      'wrong audience': await hs256({ tenant, roles: ['developer'] }, (j) => j.setAudience('someone-else')),
      'unknown issuer': await hs256({ tenant, roles: ['developer'] }, (j) =>
        j.setIssuer('https://evil.example'),
      ),
    };
    const other = await startOidcIssuer();
    try {
      tokens['another IdP'] = await other.sign({ sub: 'mallory', tenant, roles: ['owner'], aud: 'soulbox' });
      for (const [what, token] of Object.entries(tokens)) {
        const r = await whoami({ Authorization: `Bearer ${token}` });
        assert.equal(r.status, 401, `${what}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 401);
      }
    } finally {
      await other.close();
    }
    const audited = await adminCall<{ events: { metadata: { failures: { reason: string }[] } }[] }>(
      t,
      'GET',
      '/admin/audit?action=auth.failure&limit=9',
    );
    const reasons = audited.body.events.flatMap((e) => e.metadata.failures.map((f) => f.reason)).join(' | ');
    for (const r of ['expired', 'nbf', 'malformed', 'signature', 'alg none', 'aud', 'unknown issuer'])
      assert.ok(reasons.includes(r), `no audited failure mentions '${r}': ${reasons}`);
  });

  it('accepts tokens of an OIDC issuer through its JWKS, and keys it rotates', async () => {
    const first = await idp.sign({ sub: 'oidc-user', tenant, roles: ['viewer'], aud: 'soulbox' });
    const me = await whoami({ Authorization: `Bearer ${first}` });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.actor, `jwt:${idp.issuer}#oidc-user`);
    await idp.rotate();
    const rotated = await idp.sign({ sub: 'oidc-user', tenant, roles: ['viewer'], aud: 'soulbox' });
    assert.equal(
      (await whoami({ Authorization: `Bearer ${rotated}` })).status,
      200,
      'the new key is picked up',
    );
    const noAud = await idp.sign({ sub: 'oidc-user', tenant, roles: ['viewer'] });
    assert.equal((await whoami({ Authorization: `Bearer ${noAud}` })).status, 401);
  });

  it('serves TLS beside plain HTTP; client certificates of the trusted CA authenticate, others are refused', async () => {
    assert.ok(t.server.tlsUrl?.startsWith('https://127.0.0.1:'));
    const tlsUrl = t.server.tlsUrl!;
    const trusted = pki.clientCert(`/CN=robot/O=${tenant}/OU=developer`);
    const foreign = pki.clientCert(`/CN=robot/O=${tenant}/OU=owner`, 'other');
    const viaCert = await tlsRequest(tlsUrl, pki, { path: '/admin/whoami', cert: trusted });
    assert.equal(viaCert.status, 200, viaCert.body);
    const me = JSON.parse(viaCert.body) as Record<string, unknown>;
    assert.deepEqual(
      [me.actor, me.tenantId, me.method, me.roles],
      [`cert:${tenant}/robot`, tenant, 'mtls', ['developer']],
    );
    const refused = await tlsRequest(tlsUrl, pki, { path: '/admin/whoami', cert: foreign });
    assert.equal(refused.status, 401, refused.body);
    // Even with a valid key alongside, a certificate from another CA is refused.
    const mixed = await tlsRequest(tlsUrl, pki, {
      path: '/admin/whoami',
      cert: foreign,
      headers: { 'X-API-KEY': t.apiKey },
    });
    assert.equal(mixed.status, 401);
    // No certificate: API keys work over TLS too, and the plain listener is unaffected.
    const keyOverTls = await tlsRequest(tlsUrl, pki, {
      path: '/admin/whoami',
      headers: { 'X-API-KEY': t.apiKey },
    });
    assert.equal(keyOverTls.status, 200);
    assert.equal((await whoami({ 'X-API-KEY': t.apiKey })).status, 200);
    const failures = await adminCall<{
      events: { metadata: { failures: { method: string; reason: string }[] } }[];
    }>(t, 'GET', '/admin/audit?action=auth.failure&limit=2');
    assert.match(failures.body.events[0]!.metadata.failures[0]!.reason, /not trusted/);

    // A sandbox created and used over mTLS; the data plane checks the certificate too.
    const created = await tlsRequest(tlsUrl, pki, {
      method: 'POST',
      path: '/v2/sandboxes',
      cert: trusted,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ templateID: 'base' }),
    });
    assert.equal(created.status, 201, created.body);
    const sbx = JSON.parse(created.body) as { sandboxID: string; envdAccessToken: string };
    try {
      const headers = { ...sandboxHeaders(sbx.sandboxID, 49983), 'X-Access-Token': sbx.envdAccessToken };
      const form = new FormData();
      form.append('file', new Blob(['over mtls']), 'm.txt');
      const multipart = new Request('http://form', { method: 'POST', body: form });
      const write = await tlsRequest(tlsUrl, pki, {
        method: 'POST',
        path: '/files?path=/tmp/m.txt',
        cert: trusted,
        headers: { ...headers, 'Content-Type': multipart.headers.get('content-type') ?? '' },
        body: Buffer.from(await multipart.arrayBuffer()).toString('latin1'),
      });
      assert.equal(write.status, 200, write.body);
      const read = await tlsRequest(tlsUrl, pki, { path: '/files?path=/tmp/m.txt', cert: trusted, headers });
      assert.deepEqual([read.status, read.body], [200, 'over mtls']);
      const bad = await tlsRequest(tlsUrl, pki, { path: '/files?path=/tmp/m.txt', cert: foreign, headers });
      assert.equal(bad.status, 401, bad.body);
      // Another tenant's certificate: "not found", like any unknown sandbox.
      const otherTenant = await createTenant(t, 'gov-auth-other');
      const stranger = pki.clientCert(`/CN=robot/O=${otherTenant}/OU=developer`);
      const strange = await tlsRequest(tlsUrl, pki, {
        path: '/files?path=/tmp/m.txt',
        cert: stranger,
        headers,
      });
      assert.equal(strange.status, 502);
      assert.match(strange.body, /The sandbox was not found/);
    } finally {
      await adminCall(t, 'DELETE', `/sandboxes/${sbx.sandboxID}`, {
        key: (await issueKey(t, tenant, 'developer')).key,
      });
    }
    const err = await rejection(
      sdk.Sandbox.list({ ...conn(t), apiKey: 'e2b_0000000000000000000000000000000000000000' }).nextItems(),
    );
    assert.ok(err instanceof sdk.AuthenticationError);
  });
});
