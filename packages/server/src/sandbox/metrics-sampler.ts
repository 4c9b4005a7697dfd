import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';

/** One resource sample of a sandbox, in E2B's SandboxMetric terms. */
export interface SandboxSample {
  timestampUnix: number;
  cpuCount: number;
  cpuUsedPct: number;
  memUsed: number;
  memTotal: number;
  memCache: number;
  diskUsed: number;
  diskTotal: number;
}

interface Series {
  cpuCount: number;
  lastCpuUs: number;
  lastAt: number;
  samples: SandboxSample[];
}

/** Options for {@link createMetricsSampler}. */
export interface MetricsSamplerOptions {
  runtime: SandboxRuntime;
  /** @default 5000 */
  intervalMs?: number;
  /** Samples kept per sandbox. @default 720 (an hour at 5 s) */
  keep?: number;
}

/** Samples running sandboxes' cgroups on an interval and keeps a bounded history per sandbox. */
export interface MetricsSampler {
  track(sandboxId: string, cpuCount: number): void;
  untrack(sandboxId: string): void;
  /** Samples in [startUnix, endUnix] (seconds), oldest first. */
  query(sandboxId: string, startUnix?: number, endUnix?: number): SandboxSample[];
  /** Takes a sample now (used when a sandbox has none yet). */
  sampleNow(sandboxId: string): void;
  close(): void;
}

/** Creates the sampler; call close() on shutdown. */
export function createMetricsSampler(o: MetricsSamplerOptions): MetricsSampler {
  const keep = o.keep ?? 720;
  const series = new Map<string, Series>();
  const paused = new Set<string>();

  const sample = (id: string, s: Series) => {
    let stats: ReturnType<SandboxRuntime['stats']>;
    let disk: { usedBytes: number; totalBytes: number };
    try {
      stats = o.runtime.stats(id);
      disk = o.runtime.diskUsage(id);
    } catch {
      return;
    }
    const now = Date.now();
    const elapsedUs = (now - s.lastAt) * 1000;
    const cpuUsedPct =
      s.lastAt && elapsedUs > 0
        ? Math.min(100, ((stats.cpuUsageUs - s.lastCpuUs) / (elapsedUs * s.cpuCount)) * 100)
        : 0;
    s.lastCpuUs = stats.cpuUsageUs;
    s.lastAt = now;
    s.samples.push({
      timestampUnix: Math.floor(now / 1000),
      cpuCount: s.cpuCount,
      cpuUsedPct: Math.max(0, Math.round(cpuUsedPct * 100) / 100),
      memUsed: stats.memoryUsedBytes,
      memTotal: Number.isFinite(stats.memoryLimitBytes) ? stats.memoryLimitBytes : 0,
      memCache: stats.memoryCacheBytes,
      diskUsed: disk.usedBytes,
      diskTotal: disk.totalBytes,
    });
    if (s.samples.length > keep) s.samples.splice(0, s.samples.length - keep);
  };

  const timer = setInterval(() => {
    for (const [id, s] of series) if (!paused.has(id)) sample(id, s);
  }, o.intervalMs ?? 5000);
  timer.unref();

  return {
    track(id, cpuCount) {
      if (!series.has(id)) series.set(id, { cpuCount, lastCpuUs: 0, lastAt: 0, samples: [] });
    },
    untrack(id) {
      series.delete(id);
    },
    query(id, startUnix, endUnix) {
      const s = series.get(id);
      if (!s) return [];
      return s.samples.filter(
        (x) =>
          (startUnix === undefined || x.timestampUnix >= startUnix) &&
          (endUnix === undefined || x.timestampUnix <= endUnix),
      );
    },
    sampleNow(id) {
      const s = series.get(id);
      if (s) sample(id, s);
    },
    close() {
      clearInterval(timer);
      series.clear();
    },
  };
}
