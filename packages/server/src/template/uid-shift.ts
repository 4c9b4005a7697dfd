import { chmodSync, lchownSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** Container ids 0..65535 are mapped; anything above cannot come from a fresh rootfs. */
export const MAPPED_ID_COUNT = 65536;

/** Entries handled between two yields to the event loop (the walk itself is synchronous for speed). */
const BATCH = 2000;

export interface ShiftResult {
  /** Files, directories and links visited (each hard-linked inode counted once). */
  entries: number;
  /** Disk usage: allocated blocks of every inode, counted once. */
  sizeBytes: number;
}

/**
 * Adds `uidShift` to the owner and group of every entry under (and including) `root`, so
 * that the tree looks root-owned inside a user namespace that maps container id 0 to host
 * id `uidShift`. Symlinks are changed themselves (`lchown`), never followed; hard-linked
 * inodes are shifted once; other filesystems mounted inside are left alone.
 *
 * `chown` clears the setuid and setgid bits, so they are put back afterwards (`sudo`
 * must stay setuid root). File capabilities (`security.capability`) are cleared too; see
 * `file-caps.ts`. POSIX ACLs, which name ids, are not shifted: Debian packages ship none.
 *
 * Runs synchronously in batches (a ~20k-entry rootfs takes ~0.2 s) and checks `signal`
 * between batches.
 */
export async function shiftOwnership(
  root: string,
  uidShift: number,
  options: { signal?: AbortSignal } = {},
): Promise<ShiftResult> {
  options.signal?.throwIfAborted();
  const rootStat = lstatSync(root);
  const seenInodes = new Set<number>();
  const result: ShiftResult = { entries: 0, sizeBytes: 0 };
  const pending: string[] = [root];
  let sinceYield = 0;

  const visit = (entry: string): boolean => {
    const st = lstatSync(entry);
    if (st.dev !== rootStat.dev) return false;
    if (!st.isDirectory() && st.nlink > 1) {
      if (seenInodes.has(st.ino)) return false;
      seenInodes.add(st.ino);
    }
    if (st.uid >= MAPPED_ID_COUNT || st.gid >= MAPPED_ID_COUNT) {
      throw new Error(
        `${entry} is owned by ${st.uid}:${st.gid}, outside 0..${MAPPED_ID_COUNT - 1}: already shifted?`,
      );
    }
    if (uidShift !== 0) {
      lchownSync(entry, st.uid + uidShift, st.gid + uidShift);
      // Symlinks have no mode of their own; for everything else restore what chown cleared.
      if (!st.isSymbolicLink() && (st.mode & 0o7000) !== 0) chmodSync(entry, st.mode & 0o7777);
    }
    result.entries += 1;
    result.sizeBytes += st.blocks * 512;
    return st.isDirectory();
  };

  if (visit(root) === false) return result;
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    for (const name of readdirSync(dir)) {
      const entry = path.join(dir, name);
      if (visit(entry)) pending.push(entry);
      if (++sinceYield >= BATCH) {
        sinceYield = 0;
        await yieldToEventLoop();
        options.signal?.throwIfAborted();
      }
    }
  }
  return result;
}
