import type { CreateSandboxRequest, SandboxLimits } from '../sandbox/sandbox-manager.js';
import type { SandboxRecord, TenantQuotas } from '../store/index.js';
import type { QuotaLedger } from './quota-ledger.js';
import { quotaExceeded } from './quotas.js';

/** How the sandbox API applies tenant quotas. */
export interface SandboxQuotaGate {
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
  return {
    async admitCreate(req, create) {
      const L = o.limits;
      const hold = o.ledger.reserve(req.tenantId, {
        cpuCount: req.cpuCount ?? L.defaultCpuCount,
        memoryMiB: req.memoryMiB ?? L.defaultMemoryMiB,
        diskMiB: req.diskMiB ?? L.defaultDiskMiB,
        timeoutS: req.timeoutS ?? L.defaultTimeoutS,
      });
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
