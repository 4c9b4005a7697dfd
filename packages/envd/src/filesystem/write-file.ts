import { constants } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EnvdError, errnoCode, fromSystemError } from '../errors/envd-error.js';
import type { EnvdNative } from '../native/envd-native.js';
import type { SandboxUser } from '../users/user-db.js';
import { ensureDirs } from './ensure-dirs.js';
import { replaceMetadata } from './metadata-xattr.js';

export interface WriteFileOptions {
  readonly native: EnvdNative;
  readonly user: SandboxUser;
  /** Replaces the file's metadata xattrs (empty clears them). */
  readonly metadata: Readonly<Record<string, string>>;
}

function storageError(error: unknown, what: string): EnvdError {
  const code = errnoCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EnvdError('INSUFFICIENT_STORAGE', `not enough disk space available: ${what}`, {
      cause: error,
    });
  }
  return fromSystemError(error, what);
}

/**
 * Writes (creates or truncates) a file for a user, as upstream's `/files` upload does:
 * missing parent directories are created owned by the user, the file is chowned to the
 * user before any byte is written (mode 0666 under umask 022 → 0644), then filled from
 * `source` and given the request's metadata.
 * @throws EnvdError INVALID_ARGUMENT (path is a directory), INSUFFICIENT_STORAGE (disk full)
 */
export async function writeUserFile(
  path: string,
  source: Readable,
  options: WriteFileOptions,
): Promise<void> {
  const { user } = options;
  await ensureDirs(dirname(path), user.uid, user.gid);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new EnvdError('INVALID_ARGUMENT', `path is a directory: ${path}`);
  // Opening a FIFO for writing would block a libuv worker thread until a reader appears.
  if (existing?.isFIFO() || existing?.isSocket()) {
    throw new EnvdError('INVALID_ARGUMENT', `path is not a regular file: ${path}`);
  }

  let file: FileHandle;
  try {
    file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o666);
  } catch (error) {
    throw storageError(error, `error opening file '${path}'`);
  }
  try {
    await file.chown(user.uid, user.gid).catch((error: unknown) => {
      throw fromSystemError(error, `error changing file ownership of '${path}'`);
    });
    // The stream closes the handle when done: FileHandle.close() would wait forever on a
    // stream that still references it, so streams must keep autoClose on.
    await pipeline(source, file.createWriteStream()).catch((error: unknown) => {
      if (error instanceof EnvdError) throw error;
      throw storageError(error, `error writing file '${path}'`);
    });
  } finally {
    await file.close();
  }
  replaceMetadata(options.native, path, options.metadata);
}
