import fs from 'node:fs';
import { run } from '../util/exec.js';

/**
 * The writable side of one sandbox's overlay root filesystem. The read-only side is the
 * template, seen through an idmapped view (`idmapped-mount.ts` mounts both together).
 */
export interface OverlayDirs {
  upperDir: string;
  workDir: string;
  mergedDir: string;
}

/** Whether `dir` is a mount point (read from /proc/self/mountinfo, which handles bind mounts). */
export function isMountPoint(dir: string): boolean {
  const target = fs.existsSync(dir) ? fs.realpathSync(dir) : dir;
  const info = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && mp.replace(/\\040/g, ' ') === target) return true;
  }
  return false;
}

/**
 * Creates the upper, work and merged dirs. The upper dir's root takes `rootOwner` so that
 * root inside the user namespace owns `/` of the sandbox, as it owns the template's `/`.
 */
export function prepareOverlayDirs(p: OverlayDirs, rootOwner: { uid: number; gid: number }): void {
  for (const d of [p.upperDir, p.workDir, p.mergedDir]) fs.mkdirSync(d, { recursive: true });
  fs.chownSync(p.upperDir, rootOwner.uid, rootOwner.gid);
  fs.chmodSync(p.upperDir, 0o755);
}

/**
 * Mounts a plain overlay of `lowerDirs` (top first), unmapped: for tools that compare with
 * SoulBox (the bench's bare-runc floor). Sandboxes use `mountIdmappedOverlay`.
 */
export async function mountOverlay(
  p: OverlayDirs & { lowerDirs: readonly string[] },
  rootOwner: { uid: number; gid: number },
): Promise<void> {
  prepareOverlayDirs(p, rootOwner);
  // xino=off: lower and upper may sit on different filesystems; index=off keeps mounts cheap.
  const opts = `lowerdir=${p.lowerDirs.join(':')},upperdir=${p.upperDir},workdir=${p.workDir},xino=off,index=off`;
  await run('mount', ['-t', 'overlay', 'overlay', '-o', opts, p.mergedDir]);
}

/** Unmounts if mounted (lazily, so a stray open file cannot block a kill). */
export async function unmountOverlay(mergedDir: string): Promise<void> {
  if (!isMountPoint(mergedDir)) return;
  await run('umount', ['--lazy', mergedDir]);
}
