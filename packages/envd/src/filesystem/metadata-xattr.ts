import { EnvdError, errnoCode } from '../errors/envd-error.js';
import type { EnvdNative } from '../native/envd-native.js';

/** File metadata lives in extended attributes under this prefix (as upstream envd). */
export const METADATA_XATTR_PREFIX = 'user.e2b.';
/** Linux caps xattr names at 255 bytes; the prefix takes 9 of them. */
export const MAX_METADATA_KEY_BYTES = 255 - METADATA_XATTR_PREFIX.length;
/** Upper bound on all keys plus values of one file. */
export const MAX_METADATA_TOTAL_BYTES = 4096;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Checks metadata from `X-Metadata-*` headers: printable ASCII, bounded key and total size.
 * Keys are lower-cased (HTTP header names are case-insensitive).
 * @throws EnvdError INVALID_ARGUMENT
 */
export function normalizeMetadata(entries: Iterable<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  for (const [rawKey, value] of entries) {
    const key = rawKey.toLowerCase();
    if (key === '' || !PRINTABLE_ASCII.test(key) || !PRINTABLE_ASCII.test(value)) {
      throw new EnvdError('INVALID_ARGUMENT', `metadata '${key}' must be printable ASCII`);
    }
    if (key.length > MAX_METADATA_KEY_BYTES) {
      throw new EnvdError(
        'INVALID_ARGUMENT',
        `metadata key '${key}' is longer than ${MAX_METADATA_KEY_BYTES} bytes`,
      );
    }
    total += key.length + value.length;
    out[key] = value;
  }
  if (total > MAX_METADATA_TOTAL_BYTES) {
    throw new EnvdError('INVALID_ARGUMENT', `metadata is larger than ${MAX_METADATA_TOTAL_BYTES} bytes`);
  }
  return out;
}

/** The file's metadata, prefix removed; `{}` when there is none or xattrs are unsupported. */
export function readMetadata(native: EnvdNative, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  let names: string[];
  try {
    names = native.listxattr(path);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!name.startsWith(METADATA_XATTR_PREFIX)) continue;
    try {
      const value = native.getxattr(path, name);
      if (value) out[name.slice(METADATA_XATTR_PREFIX.length)] = value.toString('utf8');
    } catch {
      // Removed between list and get: skip it.
    }
  }
  return out;
}

/**
 * Makes the file's metadata exactly `metadata`: an upload replaces all earlier keys, and an
 * upload without metadata clears them.
 * @throws EnvdError FAILED_PRECONDITION when metadata is given but the filesystem has no xattrs
 */
export function replaceMetadata(
  native: EnvdNative,
  path: string,
  metadata: Readonly<Record<string, string>>,
): void {
  const wanted = Object.keys(metadata).length > 0;
  try {
    for (const name of native.listxattr(path)) {
      if (name.startsWith(METADATA_XATTR_PREFIX)) native.removexattr(path, name);
    }
    for (const [key, value] of Object.entries(metadata)) {
      native.setxattr(path, METADATA_XATTR_PREFIX + key, Buffer.from(value, 'utf8'));
    }
  } catch (error) {
    const code = errnoCode(error);
    if (!wanted && (code === 'ENOTSUP' || code === 'EPERM')) return;
    if (code === 'ENOTSUP') {
      throw new EnvdError(
        'FAILED_PRECONDITION',
        `the filesystem of '${path}' does not support file metadata`,
        {
          cause: error,
        },
      );
    }
    if (code === 'ENOSPC' || code === 'E2BIG') {
      throw new EnvdError('INVALID_ARGUMENT', `metadata does not fit on '${path}'`, { cause: error });
    }
    throw new EnvdError('INTERNAL', `error writing metadata of '${path}': ${String(error)}`, {
      cause: error,
    });
  }
}
