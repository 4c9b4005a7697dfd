import { SoulBoxError } from '../errors/index.js';
import type { TenantQuotas } from '../store/index.js';

/** The quota names, in the order they are checked and shown. */
export const QUOTA_KEYS = [
  'maxSandboxes',
  'maxVcpus',
  'maxMemoryMiB',
  'maxDiskMiB',
  'maxLifetimeS',
  'createsPerMinute',
] as const satisfies readonly (keyof TenantQuotas)[];

/** A quota name. */
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** What a tenant's live sandboxes hold. */
export interface TenantAllocation {
  sandboxes: number;
  vcpus: number;
  memoryMiB: number;
  diskMiB: number;
}

/** The configured defaults, overridden by the tenant's own values. */
export function effectiveQuotas(defaults: TenantQuotas, own: TenantQuotas): TenantQuotas {
  const out: TenantQuotas = {};
  for (const k of QUOTA_KEYS) {
    const v = own[k] ?? defaults[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * Applies a patch: a number sets a limit, null removes the tenant's own value (the default
 * applies again). Throws INVALID_ARGUMENT for unknown names or bad values.
 */
export function patchQuotas(own: TenantQuotas, patch: Readonly<Record<string, unknown>>): TenantQuotas {
  const out: TenantQuotas = { ...own };
  for (const [k, v] of Object.entries(patch)) {
    if (!(QUOTA_KEYS as readonly string[]).includes(k))
      throw new SoulBoxError('INVALID_ARGUMENT', `unknown quota '${k}' (known: ${QUOTA_KEYS.join(', ')})`);
    const key = k as QuotaKey;
    if (v === null) {
      delete out[key];
      continue;
    }
    const min = key === 'maxLifetimeS' ? 1 : 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      throw new SoulBoxError('INVALID_ARGUMENT', `quotas.${key} must be an integer ≥ ${min}, or null`);
    out[key] = v;
  }
  return out;
}

/** The error of a refused admission: E2B's 429 body, naming the limit. */
export function quotaExceeded(
  limit: QuotaKey,
  value: number,
  detail: string,
  extra: { retryAfterS?: number } = {},
): SoulBoxError {
  return new SoulBoxError(
    'QUOTA_EXCEEDED',
    `Quota exceeded: ${limit} is ${value} for this tenant (${detail})`,
    {
      details: { limit, value, ...extra },
    },
  );
}
