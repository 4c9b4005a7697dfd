import { cp, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EnvdError, errnoCode, fromSystemError } from '../errors/envd-error.js';
import type { SandboxUser } from '../users/user-db.js';
import { ensureDirs } from './ensure-dirs.js';
import { type EntryContext, type FileEntry, getFileEntry } from './file-entry.js';

/**
 * Stat RPC: the entry at `path` (lstat semantics, see file-entry.ts).
 * @throws EnvdError NOT_FOUND
 */
export function statPath(ctx: EntryContext, path: string): Promise<FileEntry> {
  return getFileEntry(ctx, path);
}

/**
 * MakeDir RPC: `mkdir -p`, new directories owned by the user.
 * @throws EnvdError ALREADY_EXISTS if it is already a directory (the SDK then returns false),
 *   INVALID_ARGUMENT if it exists as something else
 */
export async function makeDir(ctx: EntryContext, path: string, user: SandboxUser): Promise<FileEntry> {
  const existing = await stat(path).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw fromSystemError(error, `error getting file info of '${path}'`);
  });
  if (existing?.isDirectory()) throw new EnvdError('ALREADY_EXISTS', `directory already exists: ${path}`);
  if (existing)
    throw new EnvdError('INVALID_ARGUMENT', `path already exists but it is not a directory: ${path}`);
  await ensureDirs(path, user.uid, user.gid);
  return getFileEntry(ctx, path);
}

/**
 * Move RPC: rename, creating the destination's parents (owned by the user). Falls back to
 * copy + delete across filesystems, as `mv` does.
 * @throws EnvdError NOT_FOUND when the source is missing
 */
export async function movePath(
  ctx: EntryContext,
  source: string,
  destination: string,
  user: SandboxUser,
): Promise<FileEntry> {
  await ensureDirs(dirname(destination), user.uid, user.gid);
  try {
    await rename(source, destination);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT')
      throw new EnvdError('NOT_FOUND', `source file not found: ${source}`, { cause: error });
    if (code !== 'EXDEV') throw fromSystemError(error, 'error renaming');
    try {
      await cp(source, destination, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      await rm(source, { recursive: true, force: true });
    } catch (copyError) {
      throw fromSystemError(copyError, 'error moving across filesystems');
    }
  }
  return getFileEntry(ctx, destination);
}

/** Remove RPC: `rm -rf`; a missing path is not an error. */
export async function removePath(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (error) {
    throw fromSystemError(error, `error removing '${path}'`);
  }
}
