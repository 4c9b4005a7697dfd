import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { isSoulBoxError } from '../errors/index.js';
import { type OidcFixture, startOidcIssuer } from '../testing/oidc-fixture.js';
import { createJwtVerifier, type JwtVerifier, type JwtVerifierOptions } from './jwt-verifier.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const OLD_SECRET = 'the-previous-secret-still-accepted-0123456789';
const enc = (s: string) => new TextEncoder().encode(s);

function options(over: Partial<JwtVerifierOptions> = {}): JwtVerifierOptions {
  return {
    hs256Secrets: [SECRET, OLD_SECRET],
    publicKeys: [],
    issuer: 'soulbox-tests',
    audience: 'soulbox',
    oidc: [],
    claims: { user: 'sub', tenant: 'tenant', roles: 'roles' },
    clockToleranceS: 0,
    jwks: { cacheMaxAgeMs: 600_000, cooldownMs: 0, timeoutMs: 2000 },
    ...over,
  };
}

function hs256(claims: Record<string, unknown>) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('soulbox-tests')
    .setAudience('soulbox')
    .setSubject('alice')
    .setExpirationTime('5m');
}

async function reason(v: JwtVerifier, token: string): Promise<string> {
  try {
    await v.verify(token);
  } catch (err) {
    assert.ok(isSoulBoxError(err, 'UNAUTHENTICATED'), String(err));
    return String(err.details?.reason);
  }
  throw new Error('the token was accepted');
}

describe('JWT verifier', () => {
  let idp: OidcFixture;
  before(async () => {
    idp = await startOidcIssuer();
  });
  after(() => idp.close());

  it('accepts HS256 tokens signed with any configured secret and maps the claims', async () => {
    const v = createJwtVerifier(options());
    const t = await v.verify(await hs256({ tenant: 'acme', roles: ['developer'] }).sign(enc(SECRET)));
    assert.deepEqual([t.subject, t.tenantId, t.roles], ['alice', 'acme', ['developer']]);
    const old = await v.verify(await hs256({ tenant: 'acme', roles: 'viewer admin' }).sign(enc(OLD_SECRET)));
    assert.deepEqual(old.roles, ['viewer', 'admin']);
  });

  it('refuses expired, not-yet-valid, wrong-audience, wrong-issuer, forged, unsigned and malformed tokens', async () => {
    const v = createJwtVerifier(options());
    const past = Math.floor(Date.now() / 1000) - 60;
    assert.match(await reason(v, await hs256({}).setExpirationTime(past).sign(enc(SECRET))), /expired/);
    assert.match(await reason(v, await hs256({}).setNotBefore('10m').sign(enc(SECRET))), /nbf/);
    assert.match(await reason(v, await hs256({}).setAudience('other').sign(enc(SECRET))), /aud/);
    assert.match(await reason(v, await hs256({}).setIssuer('evil').sign(enc(SECRET))), /unknown issuer/);
    assert.match(
      await reason(v, await hs256({}).sign(enc('not-the-secret-but-long-enough-0123456789'))),
      /signature/,
    );
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('soulbox-tests')
      .setAudience('soulbox')
      .setSubject('alice')
      .sign(enc(SECRET));
    assert.match(await reason(v, noExp), /exp/);
    const none = new UnsecuredJWT({ tenant: 'acme' })
      .setIssuer('soulbox-tests')
      .setAudience('soulbox')
      .setSubject('alice')
      .setExpirationTime('5m')
      .encode();
    assert.match(await reason(v, none), /alg none/);
    assert.match(await reason(v, 'abc.def'), /malformed/);
    // A payload edited after signing.
    const good = await hs256({ tenant: 'acme', roles: ['viewer'] }).sign(enc(SECRET));
    const [h, , s] = good.split('.');
    const edited = Buffer.from(
      JSON.stringify({
        sub: 'alice',
        tenant: 'acme',
        roles: ['owner'],
        iss: 'soulbox-tests',
        aud: 'soulbox',
        exp: past + 600,
      }),
    ).toString('base64url');
    assert.match(await reason(v, `${h}.${edited}.${s}`), /signature/);
  });

  it('verifies RS256 tokens with a static public key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const other = await generateKeyPair('RS256');
    const v = createJwtVerifier(
      options({ hs256Secrets: [], publicKeys: [{ alg: 'RS256', pem: await exportSPKI(publicKey) }] }),
    );
    const sign = (key: CryptoKey) =>
      new SignJWT({ tenant: 'acme' })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer('soulbox-tests')
        .setAudience('soulbox')
        .setSubject('bob')
        .setExpirationTime('5m')
        .sign(key);
    assert.equal((await v.verify(await sign(privateKey))).subject, 'bob');
    assert.match(await reason(v, await sign(other.privateKey)), /signature/);
    // An HS256 token cannot pass as RS256 with the public key as secret (no key for HS256 here).
    const confused = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('soulbox-tests')
      .setAudience('soulbox')
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(enc(await exportSPKI(publicKey)));
    assert.match(await reason(v, confused), /no key for HS256/);
  });

  it('verifies OIDC tokens through discovery and the JWKS, and picks up rotated keys', async () => {
    const v = createJwtVerifier(
      options({
        hs256Secrets: [],
        oidc: [{ issuer: idp.issuer, algorithms: ['ES256'], audience: 'soulbox' }],
      }),
    );
    const t = await v.verify(
      await idp.sign({ sub: 'carol', tenant: 'acme', roles: ['viewer'], aud: 'soulbox' }),
    );
    assert.equal(t.issuer, idp.issuer);
    assert.equal(t.subject, 'carol');
    const before = idp.jwksFetches;
    await v.verify(await idp.sign({ sub: 'carol', tenant: 'acme', aud: 'soulbox' }));
    assert.equal(idp.jwksFetches, before, 'keys are cached');
    const oldKid = idp.kid;
    await idp.rotate();
    const rotated = await v.verify(await idp.sign({ sub: 'carol', tenant: 'acme', aud: 'soulbox' }));
    assert.equal(rotated.subject, 'carol');
    assert.ok(idp.jwksFetches > before, 'an unknown kid refetched the JWKS');
    assert.notEqual(oldKid, idp.kid);
    const other = await startOidcIssuer();
    try {
      // Same claims, but signed by another issuer's key: unknown issuer.
      assert.match(
        await reason(v, await other.sign({ sub: 'mallory', tenant: 'acme', aud: 'soulbox' })),
        /unknown issuer/,
      );
    } finally {
      await other.close();
    }
  });
});
