import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SoulBoxError } from '../errors/index.js';
import { type ApiKeyRecord, DEFAULT_TENANT_ID, type Store } from '../store/index.js';
import type { Identity } from './identity.js';

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
  },
): ApiKeyRecord {
  const rec: ApiKeyRecord = {
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
  };
  store.insertKey(rec);
  return rec;
}

/**
 * Authenticates an `X-API-KEY` value. Unknown, revoked and expired keys all answer the same
 * UNAUTHENTICATED error so that the answer says nothing about which keys exist.
 */
export function authenticateApiKey(store: Store, key: string | undefined, now = new Date()): Identity {
  if (!key) throw new SoulBoxError('UNAUTHENTICATED', 'Missing API key: send it in the X-API-KEY header');
  const hash = hashApiKey(key);
  const rec = store.findKeyByHash(hash);
  const valid =
    rec !== undefined &&
    timingSafeEqual(Buffer.from(rec.hash, 'hex'), Buffer.from(hash, 'hex')) &&
    rec.revokedAt === null &&
    (rec.expiresAt === null || Date.parse(rec.expiresAt) > now.getTime());
  if (!valid || !rec) throw new SoulBoxError('UNAUTHENTICATED', 'Invalid API key');
  // Last-used is bookkeeping; write it at most once a minute per key to keep reads cheap.
  if (!rec.lastUsedAt || now.getTime() - Date.parse(rec.lastUsedAt) > 60_000)
    store.touchKey(rec.id, now.toISOString());
  return { actor: `key:${rec.id}`, tenantId: rec.tenantId, role: rec.role, keyId: rec.id };
}

/** Outcome of {@link bootstrapAdminKey}. */
export interface AdminKeyBootstrap {
  /** The key in clear, when it is known to this process (configured or newly generated). */
  key?: string;
  /** File holding a generated key. */
  file?: string;
  created: boolean;
}

/**
 * Makes sure an admin key exists: the configured one (SOULBOX_ADMIN_KEY), else the one
 * generated on an earlier start (saved 0600 in the data dir), else a new one.
 */
export function bootstrapAdminKey(store: Store, dataDir: string, configured?: string): AdminKeyBootstrap {
  const file = path.join(dataDir, 'admin-key');
  if (configured) {
    const created = !store.findKeyByHash(hashApiKey(configured));
    if (created) addApiKey(store, configured, { role: 'admin', name: 'admin (SOULBOX_ADMIN_KEY)' });
    return { key: configured, created };
  }
  if (fs.existsSync(file)) {
    const key = fs.readFileSync(file, 'utf8').trim();
    if (!store.findKeyByHash(hashApiKey(key)))
      addApiKey(store, key, { role: 'admin', name: 'admin (generated)' });
    return { key, file, created: false };
  }
  const key = generateApiKey();
  addApiKey(store, key, { role: 'admin', name: 'admin (generated)' });
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file, created: true };
}
