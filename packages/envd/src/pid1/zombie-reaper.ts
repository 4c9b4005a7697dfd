import { readdirSync, readFileSync } from 'node:fs';
import type { Logger } from '../log/logger.js';
import type { EnvdNative } from '../native/envd-native.js';

export interface ZombieReaperOptions {
  readonly native: EnvdNative;
  /** True for pids libuv or node-pty will wait for themselves: never touched here. */
  readonly ownsPid: (pid: number) => boolean;
  readonly logger: Logger;
  /** @default process.pid */
  readonly selfPid?: number;
  /** @default "/proc" */
  readonly procDir?: string;
  /**
   * Safety-net rescan period, in case a SIGCHLD was coalesced away.
   * @default 5000
   */
  readonly intervalMs?: number;
}

export interface ZombieReaper {
  /** Reaps what is waiting now; returns how many zombies were collected. */
  reapNow(): number;
  stop(): void;
}

/** State and parent pid from /proc/<pid>/stat, whose comm field may hold spaces and ')'. */
function readStat(procDir: string, pid: string): { state: string; ppid: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`${procDir}/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]) };
}

/**
 * As PID 1, envd inherits every orphan in the sandbox and must collect their exit status,
 * or zombies pile up. It cannot simply waitpid(-1): libuv and node-pty wait for the
 * processes envd spawned by pid, and a wildcard wait would steal those statuses (libuv then
 * never reports the exit). So on SIGCHLD it lists /proc, picks zombies whose parent is envd
 * and that it does not own, and waits for each of them by pid.
 */
export function startZombieReaper(options: ZombieReaperOptions): ZombieReaper {
  const { native, ownsPid, logger } = options;
  const selfPid = options.selfPid ?? process.pid;
  const procDir = options.procDir ?? '/proc';
  let scheduled = false;

  const reapNow = (): number => {
    let reaped = 0;
    let pids: string[];
    try {
      pids = readdirSync(procDir).filter((name) => /^\d+$/.test(name));
    } catch (error) {
      logger.warn('pid1.reap_failed', { err: error });
      return 0;
    }
    // Safe without locking: the process manager registers a pid synchronously when it
    // spawns, on this same thread, so no child of ours can look unowned here.
    for (const name of pids) {
      const pid = Number(name);
      if (ownsPid(pid)) continue;
      const stat = readStat(procDir, name);
      if (stat?.state !== 'Z' || stat.ppid !== selfPid) continue;
      try {
        const status = native.waitpid(pid);
        if (status) {
          reaped++;
          logger.info('pid1.reaped', { pid, exitCode: status.exitCode, signal: status.signal });
        }
      } catch {
        // ECHILD: someone else collected it first.
      }
    }
    return reaped;
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    // Let libuv handle the same SIGCHLD for its own children before we look.
    setImmediate(() => {
      scheduled = false;
      reapNow();
    });
  };

  process.on('SIGCHLD', schedule);
  const timer = setInterval(schedule, options.intervalMs ?? 5000);
  timer.unref();

  return {
    reapNow,
    stop() {
      process.off('SIGCHLD', schedule);
      clearInterval(timer);
    },
  };
}
