import type { Stats } from 'node:fs';
import fs from 'node:fs';
import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../util/exec.js';

/** Inputs of {@link captureRootfs}. */
export interface CaptureOptions {
  /**
   * A read-only view of the build sandbox's writable layer with image owners (0..65535):
   * the runtime mounts the overlay upper dir idmapped back from the sandbox's range.
   */
  upperDir: string;
  /** The parent template's rootfs (the overlay's lower dir). */
  parentRootfs: string;
  /** A fresh directory on the templates filesystem; gets `rootfs/` (and scratch dirs it removes). */
  workDir: string;
  /** Paths (relative to `/`) that must not reach the template, e.g. envd's runtime files. */
  exclude: readonly string[];
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch {
    return null;
  }
}

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

/**
 * Removes `rel` below `root` unless a directory on the way is a symlink (or missing). The
 * tree is the build sandbox's upper dir: `ln -s /etc /etc` in a build step must not make
 * the host delete its own /etc/hosts.
 */
export async function removeInTree(root: string, rel: string): Promise<void> {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..'))
    throw new Error(`not a relative path below the tree: ${rel}`);
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    dir = path.join(dir, part);
    if (!(await lstatOrNull(dir))?.isDirectory()) return;
  }
  await rm(path.join(root, ...parts), { recursive: true, force: true });
}

/**
 * Turns "parent rootfs + the build's overlay upper dir" into one standalone rootfs, without
 * copying the parent: the parent is hard-linked (`cp -al`, so the new template costs only its
 * changes on disk), then every path the build changed is unlinked and replaced from the
 * upper dir. Which paths are gone (whiteouts, opaque directories) is asked of the kernel
 * rather than decoded from overlay xattrs: a read-only overlay of the copied upper dir on
 * the parent shows exactly what the sandbox saw, so a path missing there is removed.
 * Hard links into the parent are never written through: replaced files are unlinked first,
 * and directories are fresh copies.
 */
export async function captureRootfs(o: CaptureOptions): Promise<{ rootfs: string }> {
  const upper = path.join(o.workDir, 'upper');
  const merged = path.join(o.workDir, 'merged');
  const rootfs = path.join(o.workDir, 'rootfs');
  // cp -a keeps owners (the view maps them back to image ids), modes, xattrs (file
  // capabilities, which the view shows as plain v2 ones; overlay's opaque marks), hard links
  // and the whiteout devices. It never follows a symlink: the sandbox wrote them all.
  await run('cp', ['-a', '--', o.upperDir, upper], { timeoutMs: 3_600_000 });
  for (const rel of o.exclude) await removeInTree(upper, rel);
  await mkdir(merged);
  await run(
    'mount',
    ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${upper}:${o.parentRootfs},xino=off`, merged],
    { timeoutMs: 60_000 },
  );
  try {
    await run('cp', ['-al', '--', o.parentRootfs, rootfs], { timeoutMs: 3_600_000 });
    await prune('');
  } finally {
    await run('umount', [merged], { timeoutMs: 60_000 });
  }
  await mergeInto('');
  await rm(upper, { recursive: true, force: true });
  await rm(merged, { recursive: true, force: true });
  return { rootfs };

  /**
   * Removes from `rootfs/rel` whatever the merged view lacks or the upper dir replaces.
   * Only directories the build touched (present in the upper dir) are walked.
   */
  async function prune(rel: string): Promise<void> {
    for (const name of await readdir(path.join(rootfs, rel))) {
      const p = path.join(rel, name);
      const r = path.join(rootfs, p);
      const [mst, rst, ust] = await Promise.all([
        lstatOrNull(path.join(merged, p)),
        lstat(r),
        lstatOrNull(path.join(upper, p)),
      ]);
      if (!mst) await rm(r, { recursive: true, force: true });
      else if (rst.isDirectory() && mst.isDirectory()) {
        if (ust?.isDirectory()) await prune(p);
      } else if (ust || rst.isDirectory() !== mst.isDirectory())
        await rm(r, { recursive: true, force: true });
    }
  }

  /** Moves the upper dir's entries into place (same filesystem, so renames). */
  async function mergeInto(rel: string): Promise<void> {
    for (const name of await readdir(path.join(upper, rel))) {
      const p = path.join(rel, name);
      const u = path.join(upper, p);
      const r = path.join(rootfs, p);
      const ust = await lstat(u);
      if (isWhiteout(ust)) continue;
      const rst = await lstatOrNull(r);
      if (ust.isDirectory() && rst?.isDirectory()) {
        await mergeInto(p);
        copyDirMeta(ust, r);
      } else {
        if (rst) await rm(r, { recursive: true, force: true });
        await rename(u, r);
      }
    }
    if (rel === '') {
      const top = await lstat(upper);
      copyDirMeta(top, rootfs);
    }
  }
}

/** A directory changed by the build keeps the build's owner, mode and times. */
function copyDirMeta(st: Stats, dir: string): void {
  fs.chownSync(dir, st.uid, st.gid);
  fs.chmodSync(dir, st.mode & 0o7777);
  fs.utimesSync(dir, st.atime, st.mtime);
}
