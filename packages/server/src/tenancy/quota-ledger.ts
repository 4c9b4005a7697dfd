import type { TenantQuotas } from '../store/index.js';
import { quotaExceeded, type TenantAllocation } from './quotas.js';

/** What one sandbox holds against its tenant's quotas. */
export interface QuotaShare {
  cpuCount: number;
  memoryMiB: number;
  diskMiB: number;
}

/** A create's reservation: commit it to the sandbox's id once created, or release it. */
export interface QuotaHold {
  commit(sandboxId: string): void;
  release(): void;
}

/** Options of {@link createQuotaLedger}. */
export interface QuotaLedgerOptions {
  /** The tenant's effective quotas (read on every reserve, so changes apply at once). */
  quotasOf(tenantId: string): TenantQuotas;
  /** Whether a sandbox is still live (a commit after a kill must not leave a share behind). */
  isLive(sandboxId: string): boolean;
  now?: () => number;
}

/**
 * Admission against tenant quotas. Check and reserve happen in one synchronous step (no
 * await in between), so concurrent creates in this process cannot both pass a limit that
 * only one fits. Shares live in memory, keyed by sandbox id, and are rebuilt from the store
 * at start (`track`).
 */
export interface QuotaLedger {
  /** Throws QUOTA_EXCEEDED naming the first limit the create would pass. */
  reserve(tenantId: string, share: QuotaShare & { timeoutS: number }): QuotaHold;
  /** Counts a live sandbox (adopted, or created by another path); idempotent. */
  track(sandboxId: string, tenantId: string, share: QuotaShare): void;
  /** Forgets a sandbox (killed). */
  release(sandboxId: string): void;
  allocated(tenantId: string): TenantAllocation;
}

const MINUTE_MS = 60_000;

/** Creates the ledger. */
export function createQuotaLedger(o: QuotaLedgerOptions): QuotaLedger {
  const now = o.now ?? Date.now;
  const shares = new Map<string, QuotaShare & { tenantId: string }>();
  const totals = new Map<string, TenantAllocation>();
  const recentCreates = new Map<string, number[]>();
  let holds = 0;

  const totalOf = (tenantId: string): TenantAllocation => {
    let t = totals.get(tenantId);
    if (!t) {
      t = { sandboxes: 0, vcpus: 0, memoryMiB: 0, diskMiB: 0 };
      totals.set(tenantId, t);
    }
    return t;
  };
  const add = (key: string, tenantId: string, s: QuotaShare) => {
    if (shares.has(key)) return;
    shares.set(key, { ...s, tenantId });
    const t = totalOf(tenantId);
    t.sandboxes++;
    t.vcpus += s.cpuCount;
    t.memoryMiB += s.memoryMiB;
    t.diskMiB += s.diskMiB;
  };
  const remove = (key: string) => {
    const s = shares.get(key);
    if (!s) return;
    shares.delete(key);
    const t = totalOf(s.tenantId);
    t.sandboxes--;
    t.vcpus -= s.cpuCount;
    t.memoryMiB -= s.memoryMiB;
    t.diskMiB -= s.diskMiB;
  };

  return {
    reserve(tenantId, req) {
      const q = o.quotasOf(tenantId);
      const t = totalOf(tenantId);
      if (q.maxLifetimeS !== undefined && req.timeoutS > q.maxLifetimeS)
        throw quotaExceeded('maxLifetimeS', q.maxLifetimeS, `a timeout of ${req.timeoutS} s was asked for`);
      if (q.maxSandboxes !== undefined && t.sandboxes + 1 > q.maxSandboxes)
        throw quotaExceeded('maxSandboxes', q.maxSandboxes, `${t.sandboxes} sandboxes are live`);
      if (q.maxVcpus !== undefined && t.vcpus + req.cpuCount > q.maxVcpus)
        throw quotaExceeded('maxVcpus', q.maxVcpus, `${t.vcpus} in use, ${req.cpuCount} asked for`);
      if (q.maxMemoryMiB !== undefined && t.memoryMiB + req.memoryMiB > q.maxMemoryMiB)
        throw quotaExceeded(
          'maxMemoryMiB',
          q.maxMemoryMiB,
          `${t.memoryMiB} MiB in use, ${req.memoryMiB} asked for`,
        );
      if (q.maxDiskMiB !== undefined && t.diskMiB + req.diskMiB > q.maxDiskMiB)
        throw quotaExceeded('maxDiskMiB', q.maxDiskMiB, `${t.diskMiB} MiB in use, ${req.diskMiB} asked for`);
      const at = now();
      let recent = recentCreates.get(tenantId) ?? [];
      recent = recent.filter((x) => x > at - MINUTE_MS);
      recentCreates.set(tenantId, recent);
      if (q.createsPerMinute !== undefined && recent.length >= q.createsPerMinute) {
        const retryAfterS = Math.max(1, Math.ceil((recent[0]! + MINUTE_MS - at) / 1000));
        throw quotaExceeded('createsPerMinute', q.createsPerMinute, `retry in ${retryAfterS} s`, {
          retryAfterS,
        });
      }
      recent.push(at);
      const key = `hold:${++holds}`;
      add(key, tenantId, req);
      let settled = false;
      return {
        commit(sandboxId) {
          if (settled) return;
          settled = true;
          remove(key);
          if (o.isLive(sandboxId)) add(sandboxId, tenantId, req);
        },
        release() {
          if (settled) return;
          settled = true;
          remove(key);
        },
      };
    },
    track: add,
    release: remove,
    allocated: (tenantId) => ({ ...totalOf(tenantId) }),
  };
}
