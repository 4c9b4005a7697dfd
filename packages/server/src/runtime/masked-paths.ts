/**
 * Paths under /proc and /sys that a sandbox must not read or write: Docker's defaults
 * (moby `daemon/pkg/oci/defaults.go`). runc covers a masked file with /dev/null and a masked
 * directory with an empty read-only tmpfs; a read-only path is bind-mounted read-only over
 * itself. Paths missing on the host are skipped by runc.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Masked whatever the host: they leak host state (kernel memory, other tenants' timers and
 * keys, interrupt counts usable as side channels) or give access to hardware.
 */
export const MASKED_PATHS: readonly string[] = Object.freeze([
  '/proc/acpi',
  '/proc/asound',
  // Interrupt counts per CPU: a side channel on other tenants' activity (GHSA-6fw5-f8r9-fgfm).
  '/proc/interrupts',
  '/proc/kcore',
  // Key descriptions of every user on the host: the keyring is not namespaced.
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
  // RAPL energy counters leak what the CPU computes (PLATYPUS, CVE-2020-8694; GHSA-jq35-85cj-fj4p).
  '/sys/devices/virtual/powercap',
  '/sys/firmware',
]);

/** Kept readable but read-only: the kernel's and the host's global knobs. */
export const READONLY_PATHS: readonly string[] = Object.freeze([
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
]);

/** Options of {@link createMaskedPaths}. */
export interface MaskedPathsOptions {
  /** Where the host's per-CPU sysfs directories are. @default '/sys/devices/system/cpu' */
  readonly cpuSysfsDir?: string;
}

/**
 * {@link MASKED_PATHS} plus each CPU's `thermal_throttle` directory the host has,
 * as Docker does: its counters are the same side channel as /proc/interrupts
 * (GHSA-6fw5-f8r9-fgfm). Reads sysfs synchronously; call it once at start-up, the CPU set
 * does not change while the server runs.
 */
export function createMaskedPaths(options: MaskedPathsOptions = {}): readonly string[] {
  const cpuDir = options.cpuSysfsDir ?? '/sys/devices/system/cpu';
  const throttle: string[] = [];
  for (const name of listDir(cpuDir)) {
    // The container sees the host's sysfs layout, so the masked path is the fixed one.
    if (/^cpu\d+$/.test(name) && listDir(join(cpuDir, name)).includes('thermal_throttle')) {
      throttle.push(`/sys/devices/system/cpu/${name}/thermal_throttle`);
    }
  }
  throttle.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return Object.freeze([...MASKED_PATHS, ...throttle]);
}

/** Entries of a directory; none when it does not exist (no sysfs, a CPU gone offline). */
function listDir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}
