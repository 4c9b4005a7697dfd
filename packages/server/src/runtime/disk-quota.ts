import fs from 'node:fs';
import path from 'node:path';
import { run } from '../util/exec.js';
import type { Logger } from '../util/logger.js';
import { isMountPoint } from './overlay.js';

const XFS_SUPER_MAGIC = 0x58465342;
const BTRFS_SUPER_MAGIC = 0x9123683e;

/** How writable-layer limits are enforced. */
export type DiskQuotaMechanism = 'btrfs' | 'xfs' | 'none';

/** Options for {@link setupDiskQuota}. */
export interface DiskQuotaOptions {
  mode: 'auto' | 'btrfs' | 'xfs' | 'none';
  /** Where sandbox writable layers live. */
  sandboxesDir: string;
  /** Loop image 'auto' creates (with the right extension added) when `sandboxesDir` has no quotas. */
  imageBase: string;
  imageSizeGiB: number;
  logger: Logger;
}

/** Disk limits for writable layers. */
export interface DiskQuota {
  readonly mechanism: DiskQuotaMechanism;
  /** Whether limits are enforced on this host. */
  readonly enforced: boolean;
  /** Why not, when not. */
  readonly reason: string;
  /** Creates `dir` (which must not exist) with a hard limit on what is written below it. */
  createLimitedDir(dir: string, projectId: number | null, limitMiB: number): Promise<void>;
  /** Removes a dir made by createLimitedDir, with its quota. No error when it is gone. */
  removeLimitedDir(dir: string, projectId: number | null): Promise<void>;
  /** Bytes used below `dir` and its limit (the filesystem's figures when not enforced). */
  usage(dir: string): { usedBytes: number; totalBytes: number };
}

function superOptions(dir: string): string[] {
  const real = fs.realpathSync(dir);
  let best: { mp: string; opts: string[] } | undefined;
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const mp = f[4];
    if (!mp) continue;
    if (
      (real === mp || real.startsWith(mp === '/' ? '/' : `${mp}/`)) &&
      (!best || mp.length >= best.mp.length)
    ) {
      const sep = f.indexOf('-');
      best = { mp, opts: [...(f[5] ?? '').split(','), ...(f[sep + 3] ?? '').split(',')] };
    }
  }
  return best?.opts ?? [];
}

function fsUsage(dir: string) {
  const s = fs.statfsSync(dir);
  return { usedBytes: (s.blocks - s.bfree) * s.bsize, totalBytes: s.blocks * s.bsize };
}

function readNumber(file: string): number | undefined {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** XFS project quotas: each sandbox dir is a project with a block hard limit. */
function xfsQuota(mountPoint: string): DiskQuota {
  return {
    mechanism: 'xfs',
    enforced: true,
    reason: '',
    async createLimitedDir(dir, projectId, limitMiB) {
      if (projectId === null) throw new Error('XFS limits need a project id');
      fs.mkdirSync(dir);
      await run('xfs_quota', [
        '-x',
        '-c',
        `project -s -p ${dir} ${projectId}`,
        '-c',
        `limit -p bhard=${limitMiB}m ${projectId}`,
        mountPoint,
      ]);
    },
    async removeLimitedDir(dir, projectId) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      if (projectId !== null)
        await run('xfs_quota', ['-x', '-c', `limit -p bhard=0 ${projectId}`, mountPoint], {
          allowFailure: true,
        });
    },
    // XFS reports a project directory's limit and usage through statfs.
    usage: fsUsage,
  };
}

// One shell per sandbox: create the subvolume, limit it, print its id (the qgroup is 0/<id>).
const BTRFS_CREATE = `set -e
btrfs -q subvolume create "$1" >/dev/null
btrfs qgroup limit "$2"M "$1"
btrfs inspect-internal rootid "$1"`;

/** btrfs: each sandbox dir is a subvolume with a qgroup limit; usage is read from sysfs. */
function btrfsQuota(mountPoint: string, fsid: string): DiskQuota {
  const idFile = (dir: string) => `${dir}.subvolid`;
  return {
    mechanism: 'btrfs',
    enforced: true,
    reason: '',
    async createLimitedDir(dir, _projectId, limitMiB) {
      const r = await run('sh', ['-c', BTRFS_CREATE, 'btrfs-subvolume', dir, String(limitMiB)]);
      fs.writeFileSync(idFile(dir), r.stdout.trim());
    },
    async removeLimitedDir(dir) {
      const id = readNumber(idFile(dir));
      if (fs.existsSync(dir)) await run('btrfs', ['-q', 'subvolume', 'delete', dir]);
      // The qgroup outlives its subvolume until destroyed.
      if (id) await run('btrfs', ['qgroup', 'destroy', `0/${id}`, mountPoint], { allowFailure: true });
      fs.rmSync(idFile(dir), { force: true });
    },
    usage(dir) {
      const id = readNumber(idFile(dir));
      const q = `/sys/fs/btrfs/${fsid}/qgroups/0_${id}`;
      const used = id ? readNumber(`${q}/referenced`) : undefined;
      const max = id ? readNumber(`${q}/max_referenced`) : undefined;
      if (used === undefined || !max) return fsUsage(dir);
      return { usedBytes: used, totalBytes: max };
    },
  };
}

function noQuota(reason: string): DiskQuota {
  return {
    mechanism: 'none',
    enforced: false,
    reason,
    async createLimitedDir(dir) {
      fs.mkdirSync(dir);
    },
    async removeLimitedDir(dir) {
      await fs.promises.rm(dir, { recursive: true, force: true });
    },
    usage: fsUsage,
  };
}

async function btrfsOn(dir: string): Promise<DiskQuota> {
  await run('btrfs', ['quota', 'enable', dir]);
  const { stdout } = await run('findmnt', ['-n', '-o', 'UUID', '--target', dir]);
  return btrfsQuota(dir, stdout.trim());
}

async function mountLoopImage(o: DiskQuotaOptions, kind: 'btrfs' | 'xfs'): Promise<void> {
  const image = `${o.imageBase}.${kind}`;
  if (!fs.existsSync(image)) {
    const tmp = `${image}.tmp`;
    fs.rmSync(tmp, { force: true });
    fs.closeSync(fs.openSync(tmp, 'w', 0o600));
    fs.truncateSync(tmp, o.imageSizeGiB * 1024 ** 3);
    await run(kind === 'btrfs' ? 'mkfs.btrfs' : 'mkfs.xfs', ['-q', '-f', tmp], { timeoutMs: 120_000 });
    fs.renameSync(tmp, image);
    o.logger.info('created the sandbox storage image', { image, sizeGiB: o.imageSizeGiB });
  }
  const opts = kind === 'btrfs' ? 'loop,noatime,discard=async' : 'loop,noatime,prjquota,discard';
  await run('mount', ['-o', opts, image, o.sandboxesDir]);
}

/**
 * Sets up writable-layer limits: XFS project quotas or btrfs qgroups on the sandboxes dir.
 * On a host whose data dir has neither, 'auto' backs the sandboxes dir with a sparse
 * loop-mounted image (btrfs, else XFS, whichever the kernel supports with quotas).
 */
export async function setupDiskQuota(o: DiskQuotaOptions): Promise<DiskQuota> {
  fs.mkdirSync(o.sandboxesDir, { recursive: true });
  if (o.mode === 'none') return noQuota('disabled by configuration (disk.quota = none)');
  const type = fs.statfsSync(o.sandboxesDir).type;
  if (
    type === XFS_SUPER_MAGIC &&
    superOptions(o.sandboxesDir).some((x) => x === 'prjquota' || x === 'pquota')
  ) {
    return xfsQuota(o.sandboxesDir);
  }
  if (type === BTRFS_SUPER_MAGIC && o.mode !== 'xfs') {
    try {
      return await btrfsOn(o.sandboxesDir);
    } catch (err) {
      return noQuota(`btrfs quotas could not be enabled (${(err as Error).message.split('\n')[0]})`);
    }
  }
  if (o.mode === 'xfs' || o.mode === 'btrfs') {
    throw new Error(
      `disk.quota = ${o.mode}, but ${o.sandboxesDir} is not ${o.mode === 'xfs' ? 'XFS mounted with prjquota' : 'btrfs'}`,
    );
  }
  if (isMountPoint(o.sandboxesDir))
    return noQuota(`${o.sandboxesDir} is a mount without XFS or btrfs quotas`);
  if (fs.readdirSync(o.sandboxesDir).length > 0) {
    return noQuota(`${o.sandboxesDir} is not empty, so no quota-capable image was mounted over it`);
  }
  const failures: string[] = [];
  for (const kind of ['btrfs', 'xfs'] as const) {
    try {
      await mountLoopImage(o, kind);
    } catch (err) {
      failures.push(`${kind}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    if (kind === 'xfs' && !superOptions(o.sandboxesDir).includes('prjquota')) {
      await run('umount', [o.sandboxesDir], { allowFailure: true });
      failures.push('xfs: no project quotas');
      continue;
    }
    try {
      return kind === 'btrfs' ? await btrfsOn(o.sandboxesDir) : xfsQuota(path.resolve(o.sandboxesDir));
    } catch (err) {
      await run('umount', [o.sandboxesDir], { allowFailure: true });
      failures.push(`${kind}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return noQuota(`no quota-capable filesystem could be set up (${failures.join('; ')})`);
}
