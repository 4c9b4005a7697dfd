import { z } from 'zod';

const roleName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'role names are lower-case letters, digits, - or _');
const permissionPattern = z
  .string()
  .regex(/^(\*|[a-z]+:(\*|[a-z]+))$/, "a permission is 'resource:action' (either may be *) or '*'");
const audience = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const subjectField = z.enum(['CN', 'O', 'OU', 'L', 'ST', 'C']);
const limit = z.number().int().min(0);

const oidcIssuer = z.strictObject({
  /** Exactly the `iss` of its tokens; keys come from its discovery document's `jwks_uri`. */
  issuer: z.string().url(),
  /** Skip discovery and fetch keys here. */
  jwksUri: z.string().url().optional(),
  /** Required `aud` for this issuer (default: `auth.jwt.audience`). */
  audience: audience.optional(),
  /** Every token of this issuer belongs to this tenant (the tenant claim is not read). */
  tenant: z.string().min(1).optional(),
  /** @default ['RS256', 'ES256', 'PS256', 'EdDSA'] */
  algorithms: z
    .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']))
    .min(1)
    .default(['RS256', 'ES256', 'PS256', 'EdDSA']),
});

/** Authentication, roles and the operator tenant. */
export const authSchema = z
  .strictObject({
    /** Accept `X-API-KEY`. @default true */
    apiKeys: z.boolean().default(true),
    /** Members of this tenant are operators: they act on every tenant. @default 'default' */
    operatorTenant: z.string().min(1).default('default'),
    /** Custom roles for every tenant: name → permission patterns (`sandbox:*`, `file:read`). */
    roles: z.record(roleName, z.array(permissionPattern).min(1)).default({}),
    jwt: z
      .strictObject({
        /** HS256 shared secrets (≥ 32 characters); several = rotation. */
        hs256Secrets: z.array(z.string().min(32, 'an HS256 secret needs at least 32 characters')).default([]),
        /** Static RS256 / ES256 public keys (SPKI PEM). */
        publicKeys: z
          .array(
            z.strictObject({
              alg: z.enum(['RS256', 'ES256']),
              pem: z.string().min(1),
              kid: z.string().optional(),
            }),
          )
          .default([]),
        /** Required `iss` of tokens checked with the secrets or static keys. */
        issuer: z.string().min(1).optional(),
        /** Required `aud` (one of them). */
        audience: audience.optional(),
        /** OpenID Connect issuers: an issuer URL, or the full form. */
        oidc: z
          .array(
            z.union([
              z
                .string()
                .url()
                .transform((issuer) => oidcIssuer.parse({ issuer })),
              oidcIssuer,
            ]),
          )
          .default([]),
        /** Claim names (dotted paths reach nested claims). */
        claims: z
          .strictObject({
            /** @default 'sub' */
            user: z.string().min(1).default('sub'),
            /** @default 'tenant' */
            tenant: z.string().min(1).default('tenant'),
            /** @default 'roles' */
            roles: z.string().min(1).default('roles'),
          })
          .prefault({}),
        /** Role of a token naming none (and whose user has none); unset = such tokens are refused. */
        defaultRole: roleName.optional(),
        /** Leeway for exp / nbf, seconds. @default 30 */
        clockToleranceS: z.number().int().min(0).max(600).default(30),
        /** JWKS are refetched after this long, ms. @default 600000 */
        jwksCacheMaxAgeMs: z.number().int().min(0).default(600_000),
        /** An unknown `kid` refetches the JWKS at most this often, ms (rotation). @default 30000 */
        jwksCooldownMs: z.number().int().min(0).default(30_000),
        /** @default 5000 */
        jwksTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
      })
      .prefault({}),
    /** How a client certificate (TLS listener with `tls.clientCaFile`) maps to an identity. */
    mtls: z
      .strictObject({
        /** @default 'O' */
        tenantField: subjectField.default('O'),
        /** @default 'OU' */
        roleField: z.union([subjectField, z.literal('none')]).default('OU'),
        /** @default 'CN' */
        userFrom: z.enum(['CN', 'SAN']).default('CN'),
        /** Every certificate belongs to this tenant. */
        tenant: z.string().min(1).optional(),
        /** @default 'developer' */
        defaultRole: roleName.default('developer'),
      })
      .prefault({}),
  })
  .prefault({});

/** The TLS listener (beside the plain one). */
export const tlsSchema = z
  .strictObject({
    /** Port of the TLS listener; unset = no TLS listener. */
    port: z.number().int().min(0).max(65535).optional(),
    /** @default the plain listener's host */
    host: z.string().min(1).optional(),
    /** Server certificate chain (PEM file). */
    certFile: z.string().min(1).optional(),
    /** Server private key (PEM file). */
    keyFile: z.string().min(1).optional(),
    /** CA bundle (PEM file) client certificates must chain to; set = client certificates are requested. */
    clientCaFile: z.string().min(1).optional(),
    /** Refuse requests on the TLS listener without a trusted client certificate. @default false */
    requireClientCert: z.boolean().default(false),
  })
  .prefault({})
  .refine((t) => t.port === undefined || (t.certFile !== undefined && t.keyFile !== undefined), {
    message: 'tls.port needs tls.certFile and tls.keyFile',
  });

/** Quotas every tenant gets unless its own say otherwise (unset = unlimited). */
export const quotaDefaultsSchema = z
  .strictObject({
    maxSandboxes: limit.optional(),
    maxVcpus: limit.optional(),
    maxMemoryMiB: limit.optional(),
    maxDiskMiB: limit.optional(),
    maxLifetimeS: z.number().int().min(1).optional(),
    createsPerMinute: limit.optional(),
  })
  .prefault({});

/** Usage metering. */
export const meteringSchema = z
  .strictObject({
    /** How often running sandboxes' cgroups are read and usage saved, ms. @default 15000 */
    sampleIntervalMs: z.number().int().min(100).max(3_600_000).default(15_000),
  })
  .prefault({});

/** What the audit log records beyond mutating requests, auth failures and lifecycle events. */
export const auditSchema = z
  .strictObject({
    /** Also record successful reads (GET). @default false */
    reads: z.boolean().default(false),
    /** Record data-plane changes: process starts and signals, file writes, moves, removals. @default true */
    dataPlane: z.boolean().default(true),
  })
  .prefault({});
