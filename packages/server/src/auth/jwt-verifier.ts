import { createSecretKey, type KeyObject } from 'node:crypto';
import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importSPKI,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import { SoulBoxError } from '../errors/index.js';
import {
  createOidcIssuer,
  type JwksCacheOptions,
  type OidcIssuer,
  type OidcIssuerOptions,
} from './oidc-issuer.js';
import type { AuthFailureDetails } from './principal.js';

/** A static public key for RS256 / ES256 tokens. */
export interface StaticJwtKey {
  alg: 'RS256' | 'ES256';
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  pem: string;
  /** Matched against the token's `kid` when both are present. */
  kid?: string;
}

/** Where identity claims are found in a token. */
export interface JwtClaimNames {
  /** @default 'sub' */
  user: string;
  /** @default 'tenant' */
  tenant: string;
  /** String or array of role names. @default 'roles' */
  roles: string;
}

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** HS256 shared secrets; several = rotation (any of them verifies). */
  hs256Secrets: readonly string[];
  publicKeys: readonly StaticJwtKey[];
  /** Required `iss` of tokens verified with the secrets or static keys. */
  issuer?: string;
  /** Required `aud` (any one of them). */
  audience?: string | readonly string[];
  oidc: readonly OidcIssuerOptions[];
  claims: JwtClaimNames;
  clockToleranceS: number;
  jwks: JwksCacheOptions;
}

/** What a verified token says. */
export interface VerifiedJwt {
  issuer: string | undefined;
  subject: string;
  /** The tenant claim, or the issuer's fixed tenant. */
  tenantId: string | undefined;
  roles: string[];
  payload: JWTPayload;
}

/** Verifies bearer tokens. */
export interface JwtVerifier {
  /** Whether any token source is configured. */
  readonly enabled: boolean;
  /** Throws UNAUTHENTICATED with {@link AuthFailureDetails} as details. */
  verify(token: string): Promise<VerifiedJwt>;
  /**
   * Whether the token names an issuer SoulBox trusts (`auth.jwt.issuer` or an OIDC issuer),
   * valid or not: such a token was meant for SoulBox. No signature is checked.
   */
  namesTrustedIssuer(token: string): boolean;
}

function refuse(reason: string, hint?: string, cause?: unknown): never {
  const details: AuthFailureDetails = { method: 'jwt', reason, ...(hint ? { hint } : {}) };
  throw new SoulBoxError('UNAUTHENTICATED', 'Invalid bearer token', { details: { ...details }, cause });
}

/** A readable reason for a jose error. */
function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim '${err.claim}' invalid: ${err.reason}`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no matching key in the issuer JWKS';
  if (err instanceof errors.JOSEError) return `${err.code}: ${err.message}`;
  if (err instanceof SoulBoxError) return err.message;
  return 'verification failed';
}

function claimAt(payload: JWTPayload, name: string): unknown {
  if (name in payload) return payload[name];
  // Dotted paths reach nested claims (`realm_access.roles`); names with dots win when present.
  let v: unknown = payload;
  for (const part of name.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function rolesOf(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/**
 * Creates the bearer-token verifier: HS256 secrets, static RS256/ES256 keys and OIDC issuers
 * (keys from their JWKS, refetched on an unknown `kid` so rotated keys are picked up).
 * `alg: none` is never accepted; `exp` is required; `nbf`, `iss` and `aud` are enforced.
 */
export function createJwtVerifier(o: JwtVerifierOptions): JwtVerifier {
  const secrets: KeyObject[] = o.hs256Secrets.map((s) => createSecretKey(Buffer.from(s, 'utf8')));
  const staticKeys = Promise.all(
    o.publicKeys.map(async (k) => ({ alg: k.alg, kid: k.kid, key: await importSPKI(k.pem, k.alg) })),
  );
  const issuers = new Map<string, OidcIssuer>(o.oidc.map((i) => [i.issuer, createOidcIssuer(i, o.jwks)]));
  const audience = o.audience;
  const base = (aud: string | readonly string[] | undefined): JWTVerifyOptions => ({
    clockTolerance: o.clockToleranceS,
    requiredClaims: ['exp'],
    ...(aud === undefined ? {} : { audience: typeof aud === 'string' ? aud : [...aud] }),
  });

  const verifyWith = async (token: string) => {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch (err) {
      return refuse('malformed token', undefined, err);
    }
    const hint = typeof claims.sub === 'string' ? `sub ${claims.sub}` : undefined;
    const alg = header.alg ?? '';
    if (alg === '' || alg.toLowerCase() === 'none') refuse('unsigned token (alg none)', hint);
    const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
    const oidc = iss === undefined ? undefined : issuers.get(iss);
    try {
      if (oidc) {
        const r = await jwtVerify(token, oidc.getKey, {
          ...base(oidc.options.audience ?? audience),
          issuer: oidc.options.issuer,
          algorithms: [...oidc.options.algorithms],
        });
        return { payload: r.payload, tenant: oidc.options.tenant };
      }
      if (o.issuer !== undefined && iss !== o.issuer) refuse(`unknown issuer ${iss ?? '(none)'}`, hint);
      const local = { ...base(audience), ...(o.issuer === undefined ? {} : { issuer: o.issuer }) };
      if (alg === 'HS256' && secrets.length) {
        let last: unknown;
        for (const key of secrets) {
          try {
            return { payload: (await jwtVerify(token, key, { ...local, algorithms: ['HS256'] })).payload };
          } catch (err) {
            last = err;
            // Only a bad signature means "try the next secret"; expiry etc. are final.
            if (!(err instanceof errors.JWSSignatureVerificationFailed)) break;
          }
        }
        throw last;
      }
      const keys = (await staticKeys).filter(
        (k) => k.alg === alg && (!header.kid || !k.kid || k.kid === header.kid),
      );
      if (keys.length) {
        let last: unknown;
        for (const k of keys) {
          try {
            return { payload: (await jwtVerify(token, k.key, { ...local, algorithms: [k.alg] })).payload };
          } catch (err) {
            last = err;
            if (!(err instanceof errors.JWSSignatureVerificationFailed)) break;
          }
        }
        throw last;
      }
      return refuse(
        iss !== undefined && o.issuer === undefined ? `unknown issuer ${iss}` : `no key for ${alg} tokens`,
        hint,
      );
    } catch (err) {
      if (err instanceof SoulBoxError && err.code === 'UNAUTHENTICATED' && err.details) throw err;
      return refuse(reasonOf(err), hint, err);
    }
  };

  return {
    enabled: secrets.length > 0 || o.publicKeys.length > 0 || issuers.size > 0,
    namesTrustedIssuer(token) {
      let iss: unknown;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        return false;
      }
      return typeof iss === 'string' && (issuers.has(iss) || (o.issuer !== undefined && iss === o.issuer));
    },
    async verify(token) {
      const { payload, tenant } = await verifyWith(token);
      const subject = claimAt(payload, o.claims.user);
      if (typeof subject !== 'string' || subject === '') refuse(`no '${o.claims.user}' claim`);
      const claimed = claimAt(payload, o.claims.tenant);
      return {
        issuer: payload.iss,
        subject,
        tenantId: tenant ?? (typeof claimed === 'string' && claimed !== '' ? claimed : undefined),
        roles: rolesOf(claimAt(payload, o.claims.roles)),
        payload,
      };
    },
  };
}
