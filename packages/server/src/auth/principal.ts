import type { AuthMethod } from './identity.js';

/**
 * Who a credential names, before roles are resolved into permissions. Each authentication
 * method produces one; the chain turns it into an {@link Identity}.
 */
export interface Principal {
  actor: string;
  tenantId: string;
  /** Role names as the credential gives them (unknown ones are dropped when resolving). */
  roles: readonly string[];
  method: AuthMethod;
  scopes?: readonly string[];
  keyId?: string;
  userId?: string;
  subject?: string;
}

/**
 * Why a credential was refused, for the log and the audit trail (the client only ever sees
 * a generic message, so answers say nothing about which keys or users exist).
 */
export interface AuthFailureDetails {
  method: AuthMethod;
  reason: string;
  /** Tenant the credential claimed or belonged to, when known. */
  tenantId?: string;
  /** What identifies the credential without revealing it (key prefix, token subject, cert subject). */
  hint?: string;
}
