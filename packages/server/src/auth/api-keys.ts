import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SoulBoxError } from '../errors/index.js';
import { DEFAULT_TENANT_ID, type KeyRecord, type Store } from '../store/index.js';
import type { AuthFailureDetails, Principal } from './principal.js';

/** E2B-shaped key: `e2b_` + 40 hex digits (SDK 2.27–2.45 check `^e2b_[0-9a-f]+$` locally). */
export function generateApiKey(): string {
  return `e2b_${randomBytes(20).toString('hex')}`;
}

/** sha256 of the key, hex: the only form stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** What is shown to identify a key without revealing it. */
export function keyPrefix(key: string): string {
  return key.slice(0, 12);
}

/** Stores a new key record for `key`. */
export function addApiKey(
  store: Store,
  key: string,
  opts: {
    tenantId?: string;
    role: string;
    name: string;
    scopes?: string[] | null;
    expiresAt?: string | null;
    userId?: string | null;
  },
): KeyRecord {
  const rec: KeyRecord = {
    id: randomUUID(),
    tenantId: opts.tenantId ?? DEFAULT_TENANT_ID,
    name: opts.name,
    prefix: keyPrefix(key),
    hash: hashApiKey(key),
    role: opts.role,
    scopes: opts.scopes ?? null,
    createdAt: new Date().toISOString(),
    expiresAt: opts.expiresAt ?? null,
    lastUsedAt: null,
    revokedAt: null,
    userId: opts.userId ?? null,
  };
  store.identities.insertKey(rec);
  return rec;
}

function refuse(reason: string, extra: Omit<AuthFailureDetails, 'method' | 'reason'> = {}): never {
  const details: AuthFailureDetails = { method: 'api-key', reason, ...extra };
  throw new SoulBoxError('UNAUTHENTICATED', 'Invalid API key', { details: { ...details } });
}

/**
 * Authenticates an `X-API-KEY` value. Unknown, revoked and expired keys, keys of deleted
 * tenants and of disabled users all answer the same UNAUTHENTICATED error; the reason is in
 * the error's details for the audit log. Nothing is cached: a revocation counts at once.
 */
export function authenticateApiKey(store: Store, key: string, now = new Date()): Principal {
  const hash = hashApiKey(key);
  const rec = store.identities.findKeyByHash(hash);
  const hint = /^e2b_[0-9a-f]{8}/.test(key) ? keyPrefix(key) : undefined;
  if (!rec || !timingSafeEqual(Buffer.from(rec.hash, 'hex'), Buffer.from(hash, 'hex')))
    refuse('unknown key', { hint });
  const who = { tenantId: rec.tenantId, hint: `${rec.prefix} (key ${rec.id})` };
  if (rec.revokedAt !== null) refuse('revoked key', who);
  if (rec.expiresAt !== null && Date.parse(rec.expiresAt) <= now.getTime()) refuse('expired key', who);
  const tenant = store.tenants.get(rec.tenantId);
  if (!tenant || tenant.deletedAt !== null) refuse('tenant deleted', who);
  if (rec.userId !== null) {
    const user = store.identities.getUser(rec.userId);
    if (!user || user.disabledAt !== null) refuse('user disabled or deleted', who);
  }
  // Last-used is bookkeeping; write it at most once a minute per key to keep reads cheap.
  if (!rec.lastUsedAt || now.getTime() - Date.parse(rec.lastUsedAt) > 60_000)
    store.identities.touchKey(rec.id, now.toISOString());
  return {
    actor: `key:${rec.id}`,
    tenantId: rec.tenantId,
    roles: [rec.role],
    method: 'api-key',
    keyId: rec.id,
    ...(rec.scopes ? { scopes: rec.scopes } : {}),
    ...(rec.userId ? { userId: rec.userId } : {}),
  };
}

/** Outcome of {@link bootstrapAdminKey}. */
export interface AdminKeyBootstrap {
  /** The key in clear, when it is known to this process (configured or newly generated). */
  key?: string;
  /** File holding a generated key. */
  file?: string;
  created: boolean;
}

/** Role of the bootstrap key: owner of the operator tenant. */
const BOOTSTRAP_ROLE = 'owner';

/**
 * Makes sure an admin key exists: the configured one (SOULBOX_ADMIN_KEY), else the one
 * generated on an earlier start (saved 0600 in the data dir), else a new one. It is the
 * owner of the default tenant, which is the operator tenant unless configured otherwise.
 */
export function bootstrapAdminKey(store: Store, dataDir: string, configured?: string): AdminKeyBootstrap {
  const file = path.join(dataDir, 'admin-key');
  if (configured) {
    const created = !store.identities.findKeyByHash(hashApiKey(configured));
    if (created) addApiKey(store, configured, { role: BOOTSTRAP_ROLE, name: 'admin (SOULBOX_ADMIN_KEY)' });
    return { key: configured, created };
  }
  if (fs.existsSync(file)) {
    // Owner-only, also when an older install or an operator left it readable.
    fs.chmodSync(file, 0o600);
    const key = fs.readFileSync(file, 'utf8').trim();
    if (!store.identities.findKeyByHash(hashApiKey(key)))
      addApiKey(store, key, { role: BOOTSTRAP_ROLE, name: 'admin (generated)' });
    return { key, file, created: false };
  }
  const key = generateApiKey();
  addApiKey(store, key, { role: BOOTSTRAP_ROLE, name: 'admin (generated)' });
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, file, created: true };
}
