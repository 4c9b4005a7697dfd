import type { Identity } from '../auth/index.js';
import { SoulBoxError } from '../errors/index.js';
import type { Governance } from '../governance.js';

/**
 * The tenant filter a caller may use: operators any (or all, when none is given); everyone
 * else only their own. Another tenant's id answers TENANT_NOT_FOUND, so ids do not leak.
 */
export function scopedTenant(g: Governance, id: Identity, requested: string | undefined): string | undefined {
  if (g.policy.isOperator(id)) return requested || undefined;
  if (requested && requested !== id.tenantId)
    throw new SoulBoxError('TENANT_NOT_FOUND', `tenant '${requested}' not found`);
  return id.tenantId;
}
