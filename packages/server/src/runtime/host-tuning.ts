import fs from 'node:fs';
import type { Logger } from '../util/logger.js';

/**
 * Kernel limits that a thousand sandboxes on one host run into, with the least value
 * SoulBox needs. Each is only ever raised, never lowered, and a failure to raise one is a
 * warning, not an error (the host may forbid it).
 */
export const HOST_LIMITS: readonly { path: string; min: number; why: string }[] = [
  {
    path: '/proc/sys/kernel/pid_max',
    min: 4_194_304,
    why: 'every envd has ~10 threads; 32768 pids run out near 2,000 sandboxes',
  },
  { path: '/proc/sys/kernel/threads-max', min: 1_000_000, why: 'threads of all sandboxes together' },
  // inotify limits count per host user: per sandbox now that each has its own uid range.
  {
    path: '/proc/sys/fs/inotify/max_user_instances',
    min: 65_536,
    why: 'file watchers of one sandbox (one host user)',
  },
  { path: '/proc/sys/fs/inotify/max_user_watches', min: 4_194_304, why: 'recursive directory watches' },
  { path: '/proc/sys/user/max_inotify_instances', min: 65_536, why: 'per-namespace inotify ceiling' },
  { path: '/proc/sys/kernel/keys/maxkeys', min: 100_000, why: 'keys per non-root host user: per sandbox' },
  {
    path: '/proc/sys/net/ipv4/neigh/default/gc_thresh1',
    min: 8192,
    why: 'one ARP entry per sandbox on the bridge',
  },
  { path: '/proc/sys/net/ipv4/neigh/default/gc_thresh2', min: 16_384, why: 'ARP table soft limit' },
  { path: '/proc/sys/net/ipv4/neigh/default/gc_thresh3', min: 32_768, why: 'ARP table hard limit' },
];

/** Raises the kernel limits in {@link HOST_LIMITS} where they are lower. */
export function tuneHostLimits(logger: Logger): void {
  for (const l of HOST_LIMITS) {
    try {
      const cur = Number(fs.readFileSync(l.path, 'utf8').trim());
      if (Number.isFinite(cur) && cur >= l.min) continue;
      fs.writeFileSync(l.path, String(l.min));
      logger.debug('raised a kernel limit', { path: l.path, from: cur, to: l.min });
    } catch (err) {
      logger.warn('could not raise a kernel limit; density may suffer', {
        path: l.path,
        why: l.why,
        err: (err as Error).message,
      });
    }
  }
}
