import { expandPermissions, intersect, type Permission, type PermissionSet } from '../authz/permissions.js';
import type { RoleRegistry } from '../authz/roles.js';
import { isSoulBoxError, SoulBoxError } from '../errors/index.js';
import type { Store } from '../store/index.js';
import { authenticateApiKey } from './api-keys.js';
import type { Identity } from './identity.js';
import type { JwtVerifier } from './jwt-verifier.js';
import { type MtlsMapping, principalFromCertificate } from './mtls.js';
import type { Transport } from './peer-certificate.js';
import type { AuthFailureDetails, Principal } from './principal.js';

/** The credentials a request carries. */
export interface Credentials {
  /** `X-API-KEY`. */
  apiKey?: string;
  /** The token of `Authorization: Bearer <token>`. */
  bearer?: string;
  transport: Transport;
}

/** Reads the credentials of a request from its headers and transport. */
export function credentialsOf(
  header: (name: string) => string | undefined,
  transport: Transport,
): Credentials {
  const apiKey = header('x-api-key');
  const auth = header('authorization');
  const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  return {
    ...(apiKey ? { apiKey } : {}),
    ...(m ? { bearer: m[1]! } : {}),
    transport,
  };
}

/** Whether the request carries anything to authenticate with. */
export function hasCredentials(c: Credentials): boolean {
  return c.apiKey !== undefined || c.bearer !== undefined || c.transport.peer !== undefined;
}

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  store: Store;
  roles: RoleRegistry;
  /** Accept `X-API-KEY`. */
  apiKeys: boolean;
  jwt: JwtVerifier;
  /** Role of a token that names none (and whose user has none); unset = refuse such tokens. */
  jwtDefaultRole?: string;
  /** Client-certificate mapping; unset = certificates are not an authentication method. */
  mtls?: MtlsMapping;
  /** On TLS connections, a trusted client certificate is required (other methods do not suffice). */
  requireClientCert: boolean;
}

/** Authenticates requests: mTLS, then API key, then bearer token; the first that succeeds wins. */
export interface Authenticator {
  /**
   * The identity, or UNAUTHENTICATED. The error's details hold `failures`
   * ({@link AuthFailureDetails}[]) for the audit log; its message says nothing specific.
   */
  authenticate(c: Credentials): Promise<Identity>;
  /** Resolves a principal's roles into permissions (used by every method, and by tests). */
  resolve(p: Principal): Identity;
  /**
   * Whether a bearer token is SoulBox's: it names an issuer SoulBox trusts, or it verifies
   * against SoulBox's keys. Any other bearer token belongs to someone else (an app inside a
   * sandbox, reached through a port) and is neither used nor removed by the data plane.
   */
  ownsBearer(token: string): Promise<boolean>;
}

function failureOf(err: unknown, method: AuthFailureDetails['method']): AuthFailureDetails {
  if (isSoulBoxError(err, 'UNAUTHENTICATED') && err.details && typeof err.details.reason === 'string')
    return err.details as unknown as AuthFailureDetails;
  return { method, reason: err instanceof Error ? err.message : String(err) };
}

function unauthenticated(message: string, failures: AuthFailureDetails[]): SoulBoxError {
  return new SoulBoxError('UNAUTHENTICATED', message, { details: { failures } });
}

/** Creates the authentication chain. */
export function createAuthenticator(o: AuthenticatorOptions): Authenticator {
  function refuse(p: Principal, reason: string): never {
    const details: AuthFailureDetails = { method: p.method, reason, tenantId: p.tenantId, hint: p.actor };
    throw new SoulBoxError('UNAUTHENTICATED', 'Credential not accepted', { details: { ...details } });
  }

  const resolve = (p: Principal): Identity => {
    let roles = p.roles;
    let userId = p.userId;
    if (p.method !== 'api-key') {
      // Keys were checked against their tenant and user when they were looked up.
      const tenant = o.store.tenants.get(p.tenantId);
      if (!tenant || tenant.deletedAt !== null) refuse(p, `unknown tenant ${p.tenantId}`);
      if (p.subject !== undefined) {
        const user = o.store.identities.findUserBySubject(p.tenantId, p.subject);
        if (user?.disabledAt) refuse(p, 'user disabled');
        if (user) {
          userId = user.id;
          if (roles.length === 0) roles = [user.role];
        }
      }
      if (roles.length === 0 && p.method === 'jwt' && o.jwtDefaultRole) roles = [o.jwtDefaultRole];
    }
    const known: string[] = [];
    let permissions: PermissionSet | undefined;
    for (const r of roles) {
      const set = o.roles.permissionsOf(p.tenantId, r);
      if (!set) continue;
      known.push(r);
      permissions = permissions === undefined ? set : new Set<Permission>([...permissions, ...set]);
    }
    if (permissions === undefined)
      refuse(p, roles.length ? `no known role in [${roles.join(', ')}]` : 'no role');
    if (p.scopes) permissions = intersect(permissions, expandPermissions(p.scopes));
    return {
      actor: p.actor,
      tenantId: p.tenantId,
      role: known[0]!,
      roles: known,
      method: p.method,
      permissions,
      ...(p.scopes ? { scopes: p.scopes } : {}),
      ...(p.keyId ? { keyId: p.keyId } : {}),
      ...(userId ? { userId } : {}),
      ...(p.subject ? { subject: p.subject } : {}),
    };
  };

  return {
    resolve,
    async ownsBearer(token) {
      if (!o.jwt.enabled) return false;
      if (o.jwt.namesTrustedIssuer(token)) return true;
      try {
        await o.jwt.verify(token);
        return true;
      } catch {
        return false;
      }
    },
    async authenticate(c) {
      const failures: AuthFailureDetails[] = [];
      const peer = c.transport.peer;
      if (peer && o.mtls) {
        // A certificate the CA did not issue is refused outright, whatever else is sent.
        try {
          return resolve(principalFromCertificate(peer, o.mtls));
        } catch (err) {
          const f = failureOf(err, 'mtls');
          if (!peer.authorized) throw unauthenticated('Client certificate not accepted', [f]);
          failures.push(f);
        }
      }
      if (o.requireClientCert && c.transport.tls) {
        if (!peer) failures.push({ method: 'mtls', reason: 'no client certificate' });
        throw unauthenticated('A trusted client certificate is required on this listener', failures);
      }
      if (c.apiKey !== undefined) {
        if (!o.apiKeys) failures.push({ method: 'api-key', reason: 'API keys are disabled' });
        else {
          try {
            return resolve(authenticateApiKey(o.store, c.apiKey));
          } catch (err) {
            failures.push(failureOf(err, 'api-key'));
          }
        }
      }
      if (c.bearer !== undefined) {
        if (!o.jwt.enabled) failures.push({ method: 'jwt', reason: 'bearer tokens are not configured' });
        else {
          try {
            const t = await o.jwt.verify(c.bearer);
            if (t.tenantId === undefined) {
              failures.push({ method: 'jwt', reason: 'token names no tenant', hint: `sub ${t.subject}` });
            } else {
              return resolve({
                actor: `jwt:${t.issuer ?? 'local'}#${t.subject}`,
                tenantId: t.tenantId,
                roles: t.roles,
                method: 'jwt',
                subject: t.subject,
              });
            }
          } catch (err) {
            failures.push(failureOf(err, 'jwt'));
          }
        }
      }
      if (failures.length === 0) {
        throw unauthenticated(
          'Missing API key: send it in the X-API-KEY header (or a bearer token or client certificate)',
          [],
        );
      }
      const first = failures[0]!;
      const message =
        first.method === 'api-key'
          ? 'Invalid API key'
          : first.method === 'jwt'
            ? 'Invalid bearer token'
            : 'Client certificate not accepted';
      throw unauthenticated(message, failures);
    },
  };
}
