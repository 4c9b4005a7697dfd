import type { CreateSandboxRequest, SandboxLimits } from '../sandbox/sandbox-manager.js';
import type { SandboxRecord, TenantQuotas } from '../store/index.js';
import type { QuotaHold, QuotaLedger } from './quota-ledger.js';
import { quotaExceeded } from './quotas.js';

/** How the sandbox API applies tenant quotas. */
export interface SandboxQuotaGate {
  /**
   * Checks and reserves the quotas a create would use, synchronously (QUOTA_EXCEEDED names
   * the limit). Template builds hold one for their build sandbox from the build's start.
   */
  reserve(req: CreateSandboxRequest): QuotaHold;
  /** `timeoutS`, shortened to the tenant's maxLifetimeS (a build sandbox lives no longer). */
  capTimeout(tenantId: string, timeoutS: number): number;
  /**
   * Runs `create` under the tenant's quotas: checked and reserved synchronously before it
   * starts, committed to the new sandbox or released when it fails.
   */
  admitCreate(req: CreateSandboxRequest, create: () => Promise<SandboxRecord>): Promise<SandboxRecord>;
  /** Refuses a timeout that would take the sandbox past the tenant's maxLifetimeS. */
  checkTimeout(rec: SandboxRecord, timeoutS: number): void;
  /**
   * The timeout a connect/resume may use: as asked, but never past the tenant's lifetime
   * (a connect near the end still works, it just extends less). Refuses when none is left.
   */
  connectTimeout(rec: SandboxRecord, timeoutS: number | undefined): number | undefined;
}

/** Creates the gate over a ledger. */
export function createSandboxQuotaGate(o: {
  ledger: QuotaLedger;
  limits: SandboxLimits;
  quotasOf(tenantId: string): TenantQuotas;
  now?: () => number;
}): SandboxQuotaGate {
  const now = o.now ?? Date.now;
  const lifetimeEndMs = (rec: SandboxRecord): number | undefined => {
    const max = o.quotasOf(rec.tenantId).maxLifetimeS;
    return max === undefined ? undefined : Date.parse(rec.startedAt) + max * 1000;
  };
  const reserve = (req: CreateSandboxRequest): QuotaHold => {
    const L = o.limits;
    return o.ledger.reserve(req.tenantId, {
      cpuCount: req.cpuCount ?? L.defaultCpuCount,
      memoryMiB: req.memoryMiB ?? L.defaultMemoryMiB,
      diskMiB: req.diskMiB ?? L.defaultDiskMiB,
      timeoutS: req.timeoutS ?? L.defaultTimeoutS,
    });
  };
  return {
    reserve,
    capTimeout(tenantId, timeoutS) {
      const max = o.quotasOf(tenantId).maxLifetimeS;
      return max === undefined ? timeoutS : Math.min(timeoutS, max);
    },
    async admitCreate(req, create) {
      const hold = reserve(req);
      try {
        const rec = await create();
        hold.commit(rec.id);
        return rec;
      } catch (err) {
        hold.release();
        throw err;
      }
    },
    checkTimeout(rec, timeoutS) {
      const end = lifetimeEndMs(rec);
      if (end === undefined || now() + timeoutS * 1000 <= end) return;
      const max = o.quotasOf(rec.tenantId).maxLifetimeS!;
      const left = Math.max(0, Math.floor((end - now()) / 1000));
      throw quotaExceeded('maxLifetimeS', max, `the sandbox may live ${left} s more`);
    },
    connectTimeout(rec, timeoutS) {
      const end = lifetimeEndMs(rec);
      if (end === undefined) return timeoutS;
      const left = Math.floor((end - now()) / 1000);
      if (left < 1) {
        throw quotaExceeded(
          'maxLifetimeS',
          o.quotasOf(rec.tenantId).maxLifetimeS!,
          'the sandbox has reached it',
        );
      }
      return Math.min(timeoutS ?? o.limits.defaultTimeoutS, left);
    },
  };
}
