import fs from 'node:fs';
import path from 'node:path';

/** Which cgroup layout the host has: 1 = v1 controllers (legacy or hybrid), 2 = unified only. */
export type CgroupVersion = 1 | 2;

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Detects the host's cgroup version from the filesystem type mounted at /sys/fs/cgroup. */
export function detectCgroupVersion(root = '/sys/fs/cgroup'): CgroupVersion {
  return fs.statfsSync(root).type === CGROUP2_SUPER_MAGIC ? 2 : 1;
}

/** Sets a running sandbox's CPU weight directly in its cgroup (microseconds, no runc call). */
export function setCpuShares(
  version: CgroupVersion,
  cgroupsPath: string,
  shares: number,
  root = '/sys/fs/cgroup',
): void {
  if (version === 1) {
    fs.writeFileSync(path.join(root, 'cpu', cgroupsPath, 'cpu.shares'), String(shares));
    return;
  }
  // runc's conversion from cgroup v1 shares to the v2 weight.
  const weight = Math.floor(1 + ((shares - 2) * 9999) / 262_142);
  fs.writeFileSync(path.join(root, cgroupsPath, 'cpu.weight'), String(weight));
}

/** Resource usage read from a sandbox's cgroup. */
export interface CgroupStats {
  /** Total CPU time used, microseconds. */
  cpuUsageUs: number;
  /** Memory in use (without page cache), bytes. */
  memoryUsedBytes: number;
  /** Page cache charged to the sandbox, bytes. */
  memoryCacheBytes: number;
  memoryLimitBytes: number;
  /** Times the OOM killer ran in the sandbox. */
  oomKills: number;
  pids: number;
}

function readNum(file: string): number {
  try {
    const v = fs.readFileSync(file, 'utf8').trim();
    return v === 'max' ? Number.POSITIVE_INFINITY : Number(v);
  } catch {
    return 0;
  }
}

function readKeyed(file: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const [k, v] = line.split(' ');
      if (k && v !== undefined) out.set(k, Number(v));
    }
  } catch {
    // A missing file reads as empty: the cgroup is gone or the controller is absent.
  }
  return out;
}

/** Reads usage for the cgroup at `cgroupsPath` (as given to the OCI runtime, e.g. '/soulbox/abc'). */
export function readCgroupStats(
  version: CgroupVersion,
  cgroupsPath: string,
  root = '/sys/fs/cgroup',
): CgroupStats {
  if (version === 2) {
    const dir = path.join(root, cgroupsPath);
    const cpu = readKeyed(path.join(dir, 'cpu.stat'));
    const mem = readKeyed(path.join(dir, 'memory.stat'));
    const events = readKeyed(path.join(dir, 'memory.events'));
    const current = readNum(path.join(dir, 'memory.current'));
    const cache = mem.get('file') ?? 0;
    return {
      cpuUsageUs: cpu.get('usage_usec') ?? 0,
      memoryUsedBytes: Math.max(0, current - cache),
      memoryCacheBytes: cache,
      memoryLimitBytes: readNum(path.join(dir, 'memory.max')),
      oomKills: events.get('oom_kill') ?? 0,
      pids: readNum(path.join(dir, 'pids.current')),
    };
  }
  const mem = readKeyed(path.join(root, 'memory', cgroupsPath, 'memory.stat'));
  const oom = readKeyed(path.join(root, 'memory', cgroupsPath, 'memory.oom_control'));
  const cache = mem.get('total_cache') ?? mem.get('cache') ?? 0;
  const rss = (mem.get('total_rss') ?? mem.get('rss') ?? 0) + (mem.get('total_shmem') ?? 0);
  return {
    cpuUsageUs: readNum(path.join(root, 'cpuacct', cgroupsPath, 'cpuacct.usage')) / 1000,
    memoryUsedBytes: rss,
    memoryCacheBytes: cache,
    memoryLimitBytes: readNum(path.join(root, 'memory', cgroupsPath, 'memory.limit_in_bytes')),
    oomKills: oom.get('oom_kill') ?? 0,
    pids: readNum(path.join(root, 'pids', cgroupsPath, 'pids.current')),
  };
}
