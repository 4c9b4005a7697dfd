import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/** A signing key of the test issuer. */
interface IssuerKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

/** An OpenID Connect issuer on 127.0.0.1: discovery, a JWKS, and key rotation. */
export interface OidcFixture {
  /** The issuer URL (`iss`). */
  issuer: string;
  /** Signs a token with the current key (or the given kid) and the issuer as `iss`. */
  sign(claims: JWTPayload, opts?: { kid?: string; expiresIn?: string | number }): Promise<string>;
  /** Adds a new key, makes it current, and (unless keepOld) drops the old ones from the JWKS. */
  rotate(opts?: { keepOld?: boolean }): Promise<string>;
  /** The current key id. */
  readonly kid: string;
  /** JWKS fetches served so far. */
  readonly jwksFetches: number;
  close(): Promise<void>;
}

/** Starts the issuer (ES256 keys). */
export async function startOidcIssuer(): Promise<OidcFixture> {
  let keys: IssuerKey[] = [];
  let n = 0;
  let fetches = 0;
  const addKey = async () => {
    const kid = `key-${++n}`;
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    keys.push({ kid, privateKey, jwk });
    return kid;
  };
  await addKey();
  let issuer = '';
  const server = http.createServer((req, res) => {
    const send = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration')
      return send({
        issuer,
        jwks_uri: `${issuer}/jwks.json`,
        id_token_signing_alg_values_supported: ['ES256'],
      });
    if (req.url === '/jwks.json') {
      fetches++;
      return send({ keys: keys.map((k) => k.jwk) });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const current = () => keys.at(-1)!;
  return {
    issuer,
    get kid() {
      return current().kid;
    },
    get jwksFetches() {
      return fetches;
    },
    async sign(claims, opts = {}) {
      const key = opts.kid ? keys.find((k) => k.kid === opts.kid) : current();
      if (!key) throw new Error(`no key ${opts.kid}`);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime(opts.expiresIn ?? '5m')
        .sign(key.privateKey);
    },
    async rotate(opts = {}) {
      const old = [...keys];
      const kid = await addKey();
      if (!opts.keepOld) keys = keys.filter((k) => !old.includes(k));
      return kid;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
