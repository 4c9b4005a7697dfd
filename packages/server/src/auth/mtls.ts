import { SoulBoxError } from '../errors/index.js';
import type { PeerCertificateInfo } from './peer-certificate.js';
import type { AuthFailureDetails, Principal } from './principal.js';

/** Subject attributes a field mapping may name. */
export type SubjectField = 'CN' | 'O' | 'OU' | 'L' | 'ST' | 'C';

/** How a client certificate maps to an identity. */
export interface MtlsMapping {
  /** Subject attribute holding the tenant id. @default 'O' */
  tenantField: SubjectField;
  /** Subject attribute holding the role; 'none' = always `defaultRole`. @default 'OU' */
  roleField: SubjectField | 'none';
  /** The user name: the subject CN, or the first SAN entry (email, URI, then DNS). @default 'CN' */
  userFrom: 'CN' | 'SAN';
  /** Every certificate belongs to this tenant (tenantField is not read). */
  tenant?: string;
  /** Role when the certificate names none. @default 'developer' */
  defaultRole: string;
}

function refuse(reason: string, hint?: string): never {
  const details: AuthFailureDetails = { method: 'mtls', reason, ...(hint ? { hint } : {}) };
  throw new SoulBoxError('UNAUTHENTICATED', 'Client certificate not accepted', { details: { ...details } });
}

function first(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/** `CN=alice, O=acme` for logs and actor ids. */
export function subjectString(subject: PeerCertificateInfo['subject']): string {
  return Object.entries(subject)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function sanUser(san: string | undefined): string | undefined {
  if (!san) return undefined;
  const entries = san.split(/,\s*/).map((e) => {
    const i = e.indexOf(':');
    return { type: e.slice(0, i), value: e.slice(i + 1) };
  });
  for (const type of ['email', 'URI', 'DNS']) {
    const hit = entries.find((e) => e.type === type && e.value);
    if (hit) return hit.value;
  }
  return undefined;
}

/**
 * Maps a client certificate to a principal. The certificate must chain to the configured
 * client CA (a certificate from any other CA is refused, never ignored).
 */
export function principalFromCertificate(cert: PeerCertificateInfo, m: MtlsMapping): Principal {
  const subject = subjectString(cert.subject);
  if (!cert.authorized)
    refuse(`certificate not trusted (${cert.authorizationError ?? 'unknown issuer'})`, subject);
  const user = m.userFrom === 'SAN' ? sanUser(cert.subjectAltName) : first(cert.subject.CN);
  if (!user) refuse(`certificate has no user (${m.userFrom})`, subject);
  const tenantId = m.tenant ?? first(cert.subject[m.tenantField]);
  if (!tenantId) refuse(`certificate names no tenant (${m.tenantField})`, subject);
  const role = m.roleField === 'none' ? undefined : first(cert.subject[m.roleField]);
  return {
    actor: `cert:${tenantId}/${user}`,
    tenantId,
    roles: [role ?? m.defaultRole],
    method: 'mtls',
    subject: user,
  };
}
