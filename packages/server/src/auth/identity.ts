import type { PermissionSet } from '../authz/permissions.js';

/** How a request proved who it is. */
export type AuthMethod = 'api-key' | 'jwt' | 'mtls' | 'trusted';

/** Who is making a request, as established by authentication. Travels in the request context. */
export interface Identity {
  /** Stable actor id: `key:<id>`, `jwt:<issuer>#<sub>`, `cert:<subject>`. */
  actor: string;
  tenantId: string;
  /** The first of `roles` (for logs and older callers). */
  role: string;
  /** Roles held in the tenant; the permissions are their union (narrowed by scopes). */
  roles: readonly string[];
  method: AuthMethod;
  /** Effective permissions: the roles' permissions, intersected with the scopes if any. */
  permissions: PermissionSet;
  /** Scopes that narrowed the permissions (scoped API keys), as given. */
  scopes?: readonly string[];
  keyId?: string;
  /** The SoulBox user behind the credential, when one is known. */
  userId?: string;
  /** The external subject (JWT `sub`, certificate user). */
  subject?: string;
}
