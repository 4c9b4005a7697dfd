import type { MeterState, UsageDelta, UsageStore } from '../store/index.js';
import type { Logger } from '../util/logger.js';

/** A cgroup reading: cumulative CPU and current memory. */
export interface UsageReading {
  cpuUsageUs: number;
  memoryUsedBytes: number;
}

/** Options of {@link createUsageMeter}. */
export interface UsageMeterOptions {
  store: UsageStore;
  /** Reads a sandbox's cgroup; undefined when it cannot be read. */
  read(sandboxId: string): UsageReading | undefined;
  /** Sampling period, ms. */
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Meters running sandboxes from cgroup accounting: CPU-seconds (the cgroup's own counter),
 * memory MiB-seconds (resident memory × time) and sandbox-seconds (time running). Usage goes
 * into hourly buckets; where each sandbox left off is saved with it in one transaction, so a
 * restart (or crash) resumes from the last saved reading: nothing lost, nothing counted twice.
 */
export interface UsageMeter {
  /** Starts (or resumes) metering a running sandbox. */
  start(sandboxId: string, tenantId: string): void;
  /** Takes a last reading and stops accruing (paused or killed). */
  stop(sandboxId: string): void;
  /** Drops a killed sandbox's saved state. */
  forget(sandboxId: string): void;
  /** Reads every metered sandbox now and saves the usage. */
  flush(): void;
  /** Flushes and stops the timer. */
  close(): void;
}

const HOUR_MS = 3_600_000;

/** Splits [fromMs, toMs) into hourly pieces: (bucket start in unix seconds, share of the span). */
export function hourlySplit(fromMs: number, toMs: number): { bucketStart: number; fraction: number }[] {
  if (toMs <= fromMs) return [{ bucketStart: Math.floor(toMs / HOUR_MS) * 3600, fraction: 1 }];
  const out: { bucketStart: number; fraction: number }[] = [];
  for (let t = fromMs; t < toMs; ) {
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    const end = Math.min(toMs, hour + HOUR_MS);
    out.push({ bucketStart: hour / 1000, fraction: (end - t) / (toMs - fromMs) });
    t = end;
  }
  return out;
}

/** Creates the meter and starts its timer. */
export function createUsageMeter(o: UsageMeterOptions): UsageMeter {
  const now = o.now ?? Date.now;
  const running = new Map<string, MeterState>();

  /** Usage since the state's reading; updates the state in place. */
  const accrue = (s: MeterState, at: number, r: UsageReading | undefined): UsageDelta[] => {
    const cpuUs = r?.cpuUsageUs ?? s.cpuUs;
    // A lower counter means a new cgroup (the container was recreated): count from zero.
    const cpuDeltaUs = cpuUs >= s.cpuUs ? cpuUs - s.cpuUs : cpuUs;
    const seconds = Math.max(0, (at - s.atMs) / 1000);
    const memMiB = (r?.memoryUsedBytes ?? 0) / 2 ** 20;
    const deltas = hourlySplit(s.atMs, at).map(({ bucketStart, fraction }) => ({
      tenantId: s.tenantId,
      sandboxId: s.sandboxId,
      bucketStart,
      cpuSeconds: (cpuDeltaUs / 1e6) * fraction,
      memoryMiBSeconds: memMiB * seconds * fraction,
      sandboxSeconds: seconds * fraction,
    }));
    s.cpuUs = cpuUs;
    s.atMs = at;
    return deltas.filter((d) => d.cpuSeconds > 0 || d.memoryMiBSeconds > 0 || d.sandboxSeconds > 0);
  };

  const save = (deltas: UsageDelta[], states: MeterState[]) => {
    try {
      o.store.record(deltas, states);
    } catch (err) {
      o.logger.error('usage metering write failed', { err });
    }
  };

  const flush = () => {
    const at = now();
    const deltas: UsageDelta[] = [];
    const states: MeterState[] = [];
    for (const s of running.values()) {
      deltas.push(...accrue(s, at, o.read(s.sandboxId)));
      states.push({ ...s });
    }
    save(deltas, states);
  };

  const timer = setInterval(flush, o.intervalMs);
  timer.unref();

  return {
    start(sandboxId, tenantId) {
      if (running.has(sandboxId)) return;
      const at = now();
      const saved = o.store.getState(sandboxId);
      const r = o.read(sandboxId);
      let s: MeterState;
      if (saved?.running && saved.tenantId === tenantId) {
        // Adopted after a restart: the time since the last saved reading was running time.
        s = { ...saved };
        save(accrue(s, at, r), [{ ...s }]);
      } else if (saved && saved.tenantId === tenantId) {
        // Resumed: paused time is not charged; CPU since the last reading still is.
        s = { ...saved, atMs: at, running: true };
        save(accrue(s, at, r), [{ ...s }]);
      } else {
        s = { sandboxId, tenantId, cpuUs: r?.cpuUsageUs ?? 0, atMs: at, running: true };
        save([], [{ ...s }]);
      }
      running.set(sandboxId, s);
    },
    stop(sandboxId) {
      const s = running.get(sandboxId);
      if (!s) return;
      running.delete(sandboxId);
      const deltas = accrue(s, now(), o.read(sandboxId));
      save(deltas, [{ ...s, running: false }]);
    },
    forget(sandboxId) {
      running.delete(sandboxId);
      try {
        o.store.deleteState(sandboxId);
      } catch (err) {
        o.logger.error('usage metering write failed', { err });
      }
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
      running.clear();
    },
  };
}
