import type { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { fromSystemError } from '../errors/envd-error.js';
import type { EnvdNative } from '../native/envd-native.js';
import type { UserDb } from '../users/user-db.js';
import { goFileModeString, permissionBits } from './file-mode.js';
import { readMetadata } from './metadata-xattr.js';

export type FileEntryType = 'file' | 'dir' | 'symlink' | 'unknown';

/** What envd reports about one path (the protocol's EntryInfo, framework-free). */
export interface FileEntry {
  readonly name: string;
  readonly type: FileEntryType;
  readonly path: string;
  /** Size of the entry itself (for a symlink: of the link). */
  readonly size: bigint;
  /** Permission bits; for a symlink, those of its target. */
  readonly mode: number;
  /** Go FileMode string of the entry itself (`Lrwxrwxrwx` for a link). */
  readonly permissions: string;
  readonly owner: string;
  readonly group: string;
  readonly modifiedTime: Date;
  /** Absolute, fully resolved target, for symlinks only. */
  readonly symlinkTarget?: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Services a FileEntry needs: names for ids, xattrs for metadata. */
export interface EntryContext {
  readonly users: UserDb;
  readonly native: EnvdNative;
}

function typeOf(st: Stats): FileEntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'unknown';
}

/**
 * Builds the entry from an lstat result. Symlinks are described by their target (type and
 * mode) with `symlinkTarget` set, like upstream; a dangling link stays type `symlink`.
 */
export async function entryFromStats(ctx: EntryContext, path: string, st: Stats): Promise<FileEntry> {
  let type = typeOf(st);
  let mode = permissionBits(st.mode);
  let symlinkTarget: string | undefined;
  if (st.isSymbolicLink()) {
    try {
      symlinkTarget = await realpath(path);
      const target = await stat(symlinkTarget);
      type = typeOf(target);
      mode = permissionBits(target.mode);
    } catch {
      // Dangling or looping link: report the link itself.
      symlinkTarget ??= path;
    }
  }
  return {
    name: basename(path),
    type,
    path,
    size: BigInt(st.size),
    mode,
    permissions: goFileModeString(st.mode),
    owner: ctx.users.userName(st.uid),
    group: ctx.users.groupName(st.gid),
    modifiedTime: st.mtime,
    symlinkTarget,
    metadata: type === 'file' || type === 'dir' ? readMetadata(ctx.native, path) : {},
  };
}

/**
 * lstat + {@link entryFromStats}.
 * @throws EnvdError NOT_FOUND when the path does not exist
 */
export async function getFileEntry(ctx: EntryContext, path: string): Promise<FileEntry> {
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (error) {
    throw fromSystemError(error, `error getting file info of '${path}'`);
  }
  return entryFromStats(ctx, path, st);
}
