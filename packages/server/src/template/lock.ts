import { readFileSync } from 'node:fs';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A process's start time in clock ticks since boot (field 22 of /proc/PID/stat). Paired
 * with the pid it names a process uniquely, so a recycled pid does not look like a live
 * lock holder.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** Lock file content: `<pid> <start time>`. */
export function lockOwnerId(pid = process.pid): string {
  return `${pid} ${processStartTime(pid) ?? '?'}`;
}

/** Whether the process that wrote `content` is still running. */
export function isLockHolderAlive(content: string): boolean {
  const [pidText, startTime] = content.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const actual = processStartTime(pid);
  if (actual === undefined) return false;
  return startTime === undefined || startTime === '?' || startTime === actual;
}

/** A lock file younger than this with unreadable content may still be being written. */
const FRESH_LOCK_GRACE_MS = 5000;

export interface BuildLock {
  release(): Promise<void>;
}

export interface AcquireLockOptions {
  signal?: AbortSignal;
  /** Called once, when the lock is held by another live process and we start waiting. */
  onWait?: (holder: string) => void;
  /** @default 500 */
  pollMs?: number;
}

/**
 * Takes an exclusive lock by creating `lockPath` with `O_EXCL` (no flock: it must work the
 * same on every filesystem and be visible to `ls`). A lock whose holder died is stale and
 * is broken; a live holder (including another build in this process) is waited for.
 */
export async function acquireBuildLock(
  lockPath: string,
  options: AcquireLockOptions = {},
): Promise<BuildLock> {
  const me = lockOwnerId();
  let announced = false;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const handle = await open(lockPath, 'wx', 0o644);
      try {
        await handle.writeFile(`${me}\n`);
      } finally {
        await handle.close();
      }
      return { release: () => releaseLock(lockPath, me) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readLock(lockPath);
    if (holder !== undefined && !(await holderIsAlive(lockPath, holder))) {
      if (!(await breakStaleLock(lockPath, holder))) await abortableSleep(50, options.signal);
      continue;
    }
    if (!announced && holder !== undefined) {
      announced = true;
      options.onWait?.(holder.trim());
    }
    await abortableSleep(options.pollMs ?? 500, options.signal);
  }
}

/** Like timers/promises `setTimeout`, but rejects with the signal's reason, as everything else here does. */
async function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

async function readLock(lockPath: string): Promise<string | undefined> {
  try {
    return await readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function holderIsAlive(lockPath: string, content: string): Promise<boolean> {
  if (content.trim() !== '') return isLockHolderAlive(content);
  // Empty: created but not yet written, or its writer died in between.
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs < FRESH_LOCK_GRACE_MS;
  } catch {
    return false;
  }
}

/**
 * Removes a stale lock without racing another process that breaks it too: breakers take
 * turns through a second `O_EXCL` file, and only unlink the lock if it still holds the
 * stale content (else someone already broke it and took the lock anew).
 */
async function breakStaleLock(lockPath: string, staleContent: string): Promise<boolean> {
  const breaker = `${lockPath}.break`;
  try {
    await (await open(breaker, 'wx')).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another breaker is at work, or died holding the breaker; a breaker's work takes
    // milliseconds, so an old one is dead.
    const age = await stat(breaker).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > FRESH_LOCK_GRACE_MS) await unlink(breaker).catch(() => undefined);
    return false;
  }
  try {
    if ((await readLock(lockPath)) !== staleContent) return false;
    await unlink(lockPath).catch(() => undefined);
    return true;
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

async function releaseLock(lockPath: string, me: string): Promise<void> {
  // Only remove our own lock: if it was (wrongly) broken, the file belongs to someone else now.
  if ((await readLock(lockPath))?.trim() === me) await unlink(lockPath).catch(() => undefined);
}
