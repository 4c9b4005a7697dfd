import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';

/** Undoes the octal escapes (`\040` = space) of /proc/self/mountinfo. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  /** overlayfs lower directories, top first; empty for other filesystems. */
  lowerDirs: string[];
}

/** The mounts of this process's mount namespace. */
export function readMounts(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    const mountPoint = fields[4];
    if (dash < 0 || mountPoint === undefined) continue;
    const fsType = fields[dash + 1] ?? '';
    const superOptions = fields[dash + 3] ?? '';
    const lower = /(?:^|,)lowerdir=((?:\\.|[^,])*)/.exec(superOptions)?.[1];
    const lowerDirs = lower
      ? lower.split(/(?<!\\):/).map((d) => unescapeMountField(d).replace(/\\(.)/g, '$1'))
      : [];
    mounts.push({ mountPoint: unescapeMountField(mountPoint), fsType, lowerDirs });
  }
  return mounts;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** A mount point at or below `dir`, or an overlay that uses something below `dir` as a lower layer. */
export function findMountUsing(
  dir: string,
  mounts: readonly MountEntry[] = readMounts(),
): string | undefined {
  const root = path.resolve(dir);
  for (const m of mounts) {
    if (isInside(m.mountPoint, root)) return m.mountPoint;
    if (m.lowerDirs.some((lower) => isInside(lower, root))) return m.mountPoint;
  }
  return undefined;
}

/**
 * `rm -rf`, but refuses when anything is mounted inside `dir`: a leaked bind mount of /dev
 * or /proc would make a recursive delete destroy the host's files. Builds mount only in
 * private namespaces, so this should never trigger; it is the last line of defence.
 */
export async function removeTree(dir: string): Promise<void> {
  const mount = findMountUsing(dir);
  if (mount !== undefined)
    throw new Error(`refusing to delete ${dir}: ${mount} is mounted inside or uses it`);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
