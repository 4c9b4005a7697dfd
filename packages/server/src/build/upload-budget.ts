import { SoulBoxError } from '../errors/index.js';

/** Bounds on build-context uploads (the `uploads` settings, in bytes). */
export interface UploadLimits {
  /** Largest single upload. */
  maxFileBytes: number;
  /** Uploads one tenant holds at once, stored or in flight. */
  maxPerTenant: number;
  /** Bytes one tenant holds at once, stored or in flight. */
  maxTenantBytes: number;
}

/** One upload in flight: bytes are counted as they arrive. */
export interface UploadTicket {
  /** Counts `bytes` more; throws PAYLOAD_TOO_LARGE or QUOTA_EXCEEDED past a limit. */
  add(bytes: number): void;
  /** The upload is stored under its hash: it keeps its share until released. */
  commit(): void;
  /** The upload failed: its share is given back. */
  abort(): void;
}

/**
 * Per-tenant accounting of uploaded build contexts, so that no tenant can fill the host's
 * disk with uploads no build ever uses: counts and bytes are capped, and a stored upload
 * holds its share until a build consumes it or it expires.
 */
export interface UploadBudget {
  /** Starts an upload (declared size from `Content-Length`, when sent). */
  begin(tenantId: string, hash: string, declaredBytes?: number): UploadTicket;
  /** Marks an upload as used by a running build (it does not expire meanwhile). */
  pin(hash: string): void;
  /** Gives back what a stored upload holds (its build ended, or it was removed). */
  release(hash: string): void;
  /** Stored uploads, not pinned, committed before `olderThanMs`: released and returned. */
  expire(olderThanMs: number): string[];
}

interface Stored {
  tenantId: string;
  bytes: number;
  at: number;
  pinned: boolean;
}

export function createUploadBudget(limits: UploadLimits, now: () => number = Date.now): UploadBudget {
  const tenants = new Map<string, { count: number; bytes: number }>();
  const stored = new Map<string, Stored>();
  const usage = (tenantId: string) => {
    let u = tenants.get(tenantId);
    if (!u) {
      u = { count: 0, bytes: 0 };
      tenants.set(tenantId, u);
    }
    return u;
  };
  const give = (tenantId: string, count: number, bytes: number) => {
    const u = usage(tenantId);
    u.count -= count;
    u.bytes -= bytes;
    if (u.count <= 0 && u.bytes <= 0) tenants.delete(tenantId);
  };
  const overTenant = (u: { bytes: number }) =>
    new SoulBoxError(
      'QUOTA_EXCEEDED',
      `Quota exceeded: uploads.maxTenantMiB is ${limits.maxTenantBytes / 2 ** 20} for this tenant (${u.bytes} bytes of uploads held, counting this one)`,
    );
  const overFile = () =>
    new SoulBoxError(
      'PAYLOAD_TOO_LARGE',
      `build context over ${limits.maxFileBytes} bytes (uploads.maxFileMiB)`,
    );

  const release = (hash: string) => {
    const s = stored.get(hash);
    if (!s) return;
    stored.delete(hash);
    give(s.tenantId, 1, s.bytes);
  };

  return {
    begin(tenantId, hash, declaredBytes) {
      if (declaredBytes !== undefined && declaredBytes > limits.maxFileBytes) throw overFile();
      const u = usage(tenantId);
      if (u.count >= limits.maxPerTenant)
        throw new SoulBoxError(
          'QUOTA_EXCEEDED',
          `Quota exceeded: uploads.maxPerTenant is ${limits.maxPerTenant} for this tenant (uploads not yet used by a build)`,
        );
      if (declaredBytes !== undefined && u.bytes + declaredBytes > limits.maxTenantBytes)
        throw overTenant({ bytes: u.bytes + declaredBytes });
      u.count++;
      let bytes = 0;
      let done = false;
      return {
        add(n) {
          bytes += n;
          u.bytes += n;
          if (bytes > limits.maxFileBytes) throw overFile();
          if (u.bytes > limits.maxTenantBytes) throw overTenant(u);
        },
        commit() {
          if (done) return;
          done = true;
          // The same context uploaded again replaces the stored one.
          release(hash);
          stored.set(hash, { tenantId, bytes, at: now(), pinned: false });
        },
        abort() {
          if (done) return;
          done = true;
          give(tenantId, 1, bytes);
        },
      };
    },
    pin(hash) {
      const s = stored.get(hash);
      if (s) s.pinned = true;
    },
    release,
    expire(olderThanMs) {
      const cutoff = now() - olderThanMs;
      const out: string[] = [];
      for (const [hash, s] of stored)
        if (!s.pinned && s.at < cutoff) {
          release(hash);
          out.push(hash);
        }
      return out;
    },
  };
}
