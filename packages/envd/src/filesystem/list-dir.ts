import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { EnvdError, errnoCode, fromSystemError } from '../errors/envd-error.js';
import { type EntryContext, entryFromStats, type FileEntry } from './file-entry.js';

/** Go sorts names by bytes; compare UTF-8 so non-ASCII names order the same way. */
function byteOrder(a: Dirent, b: Dirent): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

async function resolveDirectory(requested: string): Promise<string> {
  let resolved: string;
  try {
    resolved = await realpath(requested);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new EnvdError('NOT_FOUND', `path not found: ${requested}`);
    if (code === 'ELOOP') {
      throw new EnvdError('FAILED_PRECONDITION', `cyclic symlink or chain >255 links at '${requested}'`);
    }
    throw fromSystemError(error, `error resolving symlink '${requested}'`);
  }
  const st = await stat(resolved).catch((error: unknown) => {
    throw fromSystemError(error, `error getting file info of '${resolved}'`);
  });
  if (!st.isDirectory()) throw new EnvdError('INVALID_ARGUMENT', `path is not a directory: ${requested}`);
  return resolved;
}

/**
 * Lists a directory like upstream ListDir: the requested path's own symlinks are followed,
 * then the tree is walked depth-first in lexical order (Go's filepath.WalkDir) without
 * following symlinks, returning entries at depth 1…`depth` (0 counts as 1). Entry paths
 * keep the path as requested: `<requested>/<relative>`.
 */
export async function listDir(ctx: EntryContext, requested: string, depth: number): Promise<FileEntry[]> {
  const maxDepth = Math.max(depth, 1);
  const root = await resolveDirectory(requested);
  const out: FileEntry[] = [];

  const walk = async (dirOnDisk: string, dirAsRequested: string, level: number): Promise<void> => {
    let children: Dirent[];
    try {
      children = await readdir(dirOnDisk, { withFileTypes: true });
    } catch (error) {
      throw fromSystemError(error, `error reading directory ${dirOnDisk}`);
    }
    children.sort(byteOrder);
    const entries = await Promise.all(
      children.map(async (child) => {
        const onDisk = posix.join(dirOnDisk, child.name);
        const asRequested = posix.join(dirAsRequested, child.name);
        try {
          return await entryFromStats(ctx, asRequested, await lstat(onDisk));
        } catch (error) {
          // Deleted while we were listing: leave it out rather than fail the whole listing.
          if (errnoCode(error) === 'ENOENT') return undefined;
          throw fromSystemError(error, `error getting file info of '${onDisk}'`);
        }
      }),
    );
    for (let i = 0; i < children.length; i++) {
      const entry = entries[i];
      if (!entry) continue;
      out.push(entry);
      const child = children[i] as Dirent;
      if (child.isDirectory() && level < maxDepth) {
        await walk(posix.join(dirOnDisk, child.name), entry.path, level + 1);
      }
    }
  };

  await walk(root, requested, 1);
  return out;
}
