import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/**
 * Container ids 0..65535 are mapped. Templates keep these owners on disk; every sandbox sees
 * them through an idmapped mount into its own host range, so an owner outside could not be
 * mapped (it would show as nobody).
 */
export const MAPPED_ID_COUNT = 65536;

/** Entries handled between two yields to the event loop (the walk itself is synchronous for speed). */
const BATCH = 2000;

export interface RootfsOwnersResult {
  /** Files, directories and links visited (each hard-linked inode counted once). */
  entries: number;
  /** Disk usage: allocated blocks of every inode, counted once. */
  sizeBytes: number;
}

/**
 * Checks that every entry under (and including) `root` is owned by ids 0..65535, and
 * measures the tree. Symlinks are looked at themselves (`lstat`), never followed; hard-linked
 * inodes count once; other filesystems mounted inside are left alone.
 *
 * Runs synchronously in batches (a ~20k-entry rootfs takes ~0.1 s) and checks `signal`
 * between batches.
 */
export async function checkRootfsOwners(
  root: string,
  options: { signal?: AbortSignal } = {},
): Promise<RootfsOwnersResult> {
  options.signal?.throwIfAborted();
  const rootStat = lstatSync(root);
  const seenInodes = new Set<number>();
  const result: RootfsOwnersResult = { entries: 0, sizeBytes: 0 };
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
        `${entry} is owned by ${st.uid}:${st.gid}, outside 0..${MAPPED_ID_COUNT - 1}: sandboxes could not map it`,
      );
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
