import { posix } from 'node:path';
import { EnvdError } from '../errors/envd-error.js';
import type { SandboxUser } from '../users/user-db.js';

/** Go's filepath.Clean for absolute paths: no `.`/`..` segments, no trailing slash. */
export function cleanPath(path: string): string {
  const normalized = posix.normalize(path);
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized;
}

/**
 * Resolves a path from a request the way upstream envd does (permissions/path.go), for
 * filesystem RPCs, `/files` and process `cwd` alike:
 * - empty → the default workdir (if there is one);
 * - `~` or `~/…` → the user's home (`~other` is refused);
 * - relative → joined onto the user's **home**, not onto the workdir;
 * - then cleaned, so the result is absolute with `..` applied.
 * @throws EnvdError INVALID_ARGUMENT for `~other/…`
 */
export function resolveUserPath(path: string, user: SandboxUser, defaultWorkdir: string | undefined): string {
  let p = path === '' && defaultWorkdir ? defaultWorkdir : path;
  if (p.startsWith('~')) {
    if (p.length > 1 && p[1] !== '/') {
      throw new EnvdError(
        'INVALID_ARGUMENT',
        `failed to expand path '${p}' for user '${user.name}': cannot expand user-specific home dir`,
      );
    }
    p = posix.join(user.home, p.slice(1));
  }
  if (posix.isAbsolute(p)) return cleanPath(p);
  return cleanPath(posix.join(user.home, p));
}
