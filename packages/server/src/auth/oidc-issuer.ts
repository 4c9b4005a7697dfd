import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { SoulBoxError } from '../errors/index.js';

/** One OpenID Connect issuer whose tokens SoulBox accepts. */
export interface OidcIssuerOptions {
  /** Exactly the `iss` its tokens carry. */
  issuer: string;
  /** Where its keys are; default: `jwks_uri` from `<issuer>/.well-known/openid-configuration`. */
  jwksUri?: string;
  /** Required `aud` (one of them); default: the global audience, if any. */
  audience?: string | string[];
  /** Every token of this issuer belongs to this tenant (the tenant claim is not read). */
  tenant?: string;
  /** Accepted signature algorithms. */
  algorithms: readonly string[];
}

/** Cache settings of the JWKS fetches. */
export interface JwksCacheOptions {
  /** Keys are refetched after this long, ms. */
  cacheMaxAgeMs: number;
  /** A token with an unknown `kid` triggers a refetch at most this often, ms (picks up rotated keys). */
  cooldownMs: number;
  /** Timeout of one discovery or JWKS fetch, ms. */
  timeoutMs: number;
}

/** An issuer's key resolver: discovery runs on first use and again after a failure. */
export interface OidcIssuer {
  readonly options: OidcIssuerOptions;
  getKey: JWTVerifyGetKey;
}

async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'application/json' },
  });
  if (!res.ok) throw new Error(`OIDC discovery ${url} answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OpenID Connect Discovery §4.3: the document's issuer must be the one asked for.
  if (doc.issuer !== issuer) throw new Error(`OIDC discovery ${url} names issuer ${String(doc.issuer)}`);
  if (typeof doc.jwks_uri !== 'string') throw new Error(`OIDC discovery ${url} has no jwks_uri`);
  return doc.jwks_uri;
}

/** Creates the key resolver of one issuer. */
export function createOidcIssuer(options: OidcIssuerOptions, cache: JwksCacheOptions): OidcIssuer {
  let jwks: Promise<JWTVerifyGetKey> | undefined;
  const resolve = () => {
    jwks ??= (async () => {
      const uri = options.jwksUri ?? (await discoverJwksUri(options.issuer, cache.timeoutMs));
      return createRemoteJWKSet(new URL(uri), {
        cacheMaxAge: cache.cacheMaxAgeMs,
        cooldownDuration: cache.cooldownMs,
        timeoutDuration: cache.timeoutMs,
      });
    })().catch((err: unknown) => {
      jwks = undefined;
      throw new SoulBoxError('UNAUTHENTICATED', 'the token issuer cannot be reached', { cause: err });
    });
    return jwks;
  };
  return {
    options,
    getKey: async (header, token) => (await resolve())(header, token),
  };
}
