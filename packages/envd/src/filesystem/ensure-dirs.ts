import { chown, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EnvdError, errnoCode, fromSystemError } from '../errors/envd-error.js';

/** `/a/b/c` → [`/a`, `/a/b`, `/a/b/c`]. */
function ancestry(path: string): string[] {
  const out: string[] = [];
  for (let p = path; p !== '/' && p !== '.'; p = dirname(p)) out.push(p);
  return out.reverse();
}

async function isDirectory(path: string): Promise<boolean | undefined> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw fromSystemError(error, `failed to stat directory '${path}'`);
  }
}

/**
 * `mkdir -p` where every directory it creates is owned by `uid:gid` with mode 0755 (under
 * umask 022) — envd runs as root but creates on behalf of the requesting user.
 * Directories that already exist are left as they are.
 * @throws EnvdError INVALID_ARGUMENT when a component exists and is not a directory
 */
export async function ensureDirs(path: string, uid: number, gid: number): Promise<void> {
  for (const dir of ancestry(path)) {
    const existing = await isDirectory(dir);
    if (existing === true) continue;
    if (existing === false) throw new EnvdError('INVALID_ARGUMENT', `path is a file: ${dir}`);
    try {
      await mkdir(dir, 0o755);
    } catch (error) {
      // Lost a race with a concurrent request creating the same directory: fine.
      if (errnoCode(error) === 'EEXIST' && (await isDirectory(dir))) continue;
      throw fromSystemError(error, `failed to create directory '${dir}'`);
    }
    try {
      await chown(dir, uid, gid);
    } catch (error) {
      throw fromSystemError(error, `failed to chown directory '${dir}'`);
    }
  }
}
