import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { isSoulBoxError } from '../errors/index.js';
import { createGovernanceFixture, type GovernanceFixture } from '../testing/governance-fixture.js';
import { addApiKey, generateApiKey } from './api-keys.js';
import type { Credentials } from './auth-chain.js';
import type { PeerCertificateInfo } from './peer-certificate.js';

const SECRET = 'chain-test-secret-long-enough-0123456789abcdef';

function cert(over: Partial<PeerCertificateInfo> = {}): PeerCertificateInfo {
  return {
    authorized: true,
    subject: { CN: 'robot', O: 'acme', OU: 'viewer' },
    fingerprint256: 'AA:BB',
    ...over,
  };
}

async function failureOf(p: Promise<unknown>): Promise<{ message: string; reasons: string[] }> {
  try {
    await p;
  } catch (err) {
    assert.ok(isSoulBoxError(err, 'UNAUTHENTICATED'));
    const failures = (err.details?.failures ?? []) as { reason: string }[];
    return { message: err.message, reasons: failures.map((f) => f.reason) };
  }
  throw new Error('authenticated');
}

describe('authentication chain', () => {
  let f: GovernanceFixture;
  let token: (claims: Record<string, unknown>) => Promise<string>;
  before(() => {
    f = createGovernanceFixture({
      auth: { jwt: { hs256Secrets: [SECRET], audience: 'soulbox' } },
      tls: { clientCaFile: '/dev/null' },
    });
    f.store.tenants.insert({ id: 'acme', name: 'Acme', quotas: {}, createdAt: new Date().toISOString() });
    token = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setAudience('soulbox')
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(SECRET));
  });
  after(() => f.close());
  const auth = (c: Partial<Credentials>) =>
    f.governance.authenticator.authenticate({ transport: { tls: false }, ...c });

  it('maps a trusted client certificate: tenant from O, role from OU, user from CN', async () => {
    const id = await auth({ transport: { tls: true, peer: cert() } });
    assert.deepEqual(
      [id.actor, id.tenantId, id.role, id.method],
      ['cert:acme/robot', 'acme', 'viewer', 'mtls'],
    );
    assert.ok(id.permissions.has('sandbox:read') && !id.permissions.has('sandbox:create'));
  });

  it('refuses a certificate from another CA even when a valid key comes with it', async () => {
    const key = generateApiKey();
    addApiKey(f.store, key, { role: 'owner', name: 'k' });
    const bad = cert({ authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const r = await failureOf(auth({ apiKey: key, transport: { tls: true, peer: bad } }));
    assert.match(r.reasons[0]!, /not trusted/);
  });

  it('tries the next method when one fails; the first success wins', async () => {
    const key = generateApiKey();
    addApiKey(f.store, key, { role: 'developer', name: 'k', tenantId: 'acme' });
    const id = await auth({
      apiKey: `e2b_${'f'.repeat(40)}`,
      bearer: await token({ sub: 'x', tenant: 'acme', roles: ['viewer'] }),
    });
    assert.equal(id.method, 'jwt');
    const viaKey = await auth({ apiKey: key, bearer: 'garbage' });
    assert.equal(viaKey.method, 'api-key');
  });

  it('maps token claims to tenant, user and roles; unknown tenants and role-less tokens are refused', async () => {
    const id = await auth({
      bearer: await token({ sub: 'dana', tenant: 'acme', roles: ['developer', 'nonsense'] }),
    });
    assert.deepEqual([id.actor, id.tenantId, id.roles], ['jwt:local#dana', 'acme', ['developer']]);
    assert.match(
      (await failureOf(auth({ bearer: await token({ sub: 'x', tenant: 'nowhere', roles: ['viewer'] }) })))
        .reasons[0]!,
      /unknown tenant/,
    );
    assert.match(
      (await failureOf(auth({ bearer: await token({ sub: 'x', tenant: 'acme' }) }))).reasons[0]!,
      /no role/,
    );
    assert.match(
      (await failureOf(auth({ bearer: await token({ sub: 'x', roles: ['viewer'] }) }))).reasons[0]!,
      /no tenant/,
    );
    // A known user's role applies when the token names none.
    f.store.identities.insertUser({
      id: 'u-erin',
      tenantId: 'acme',
      name: 'Erin',
      email: null,
      subject: 'erin',
      role: 'admin',
      createdAt: new Date().toISOString(),
      disabledAt: null,
    });
    const erin = await auth({ bearer: await token({ sub: 'erin', tenant: 'acme' }) });
    assert.deepEqual([erin.role, erin.userId], ['admin', 'u-erin']);
  });

  it('says "missing API key" when nothing is sent', async () => {
    const r = await failureOf(auth({}));
    assert.match(r.message, /Missing API key/);
  });
});
