import os from 'node:os';
/**
 * The one error type of envd. Area code throws it with a stable code; the RPC and HTTP edges
 * map the code through {@link ERROR_CODES} to a Connect code or an HTTP status.
 */
export type EnvdErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'FAILED_PRECONDITION'
  | 'UNIMPLEMENTED'
  | 'RESOURCE_EXHAUSTED'
  | 'INSUFFICIENT_STORAGE'
  | 'INTERNAL';

export interface EnvdErrorMapping {
  /** HTTP status for the plain endpoints (`/files`, `/init`, …). */
  readonly httpStatus: number;
  /** Connect error code (snake_case wire name) for the RPC services. */
  readonly connectCode: string;
}

/** The single code table: code → HTTP status → Connect code. */
export const ERROR_CODES: Readonly<Record<EnvdErrorCode, EnvdErrorMapping>> = {
  INVALID_ARGUMENT: { httpStatus: 400, connectCode: 'invalid_argument' },
  NOT_FOUND: { httpStatus: 404, connectCode: 'not_found' },
  ALREADY_EXISTS: { httpStatus: 409, connectCode: 'already_exists' },
  UNAUTHENTICATED: { httpStatus: 401, connectCode: 'unauthenticated' },
  PERMISSION_DENIED: { httpStatus: 403, connectCode: 'permission_denied' },
  FAILED_PRECONDITION: { httpStatus: 400, connectCode: 'failed_precondition' },
  UNIMPLEMENTED: { httpStatus: 501, connectCode: 'unimplemented' },
  RESOURCE_EXHAUSTED: { httpStatus: 429, connectCode: 'resource_exhausted' },
  INSUFFICIENT_STORAGE: { httpStatus: 507, connectCode: 'resource_exhausted' },
  INTERNAL: { httpStatus: 500, connectCode: 'internal' },
};

export class EnvdError extends Error {
  override readonly name = 'EnvdError';

  constructor(
    readonly code: EnvdErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The errno name of a Node system error (`ENOENT`, …), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  // libuv (Node 20) has no name for some errnos: EDQUOT, what a full quota raises, comes out
  // as "Unknown system error -122". Name it from the number.
  const errno = 'errno' in error && typeof error.errno === 'number' ? error.errno : undefined;
  if (errno !== undefined && -errno === os.constants.errno.EDQUOT) return 'EDQUOT';
  if ('code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

const ERRNO_TO_CODE: Readonly<Record<string, EnvdErrorCode>> = {
  ENOENT: 'NOT_FOUND',
  EEXIST: 'ALREADY_EXISTS',
  ENOTEMPTY: 'ALREADY_EXISTS',
  ENOTDIR: 'INVALID_ARGUMENT',
  EISDIR: 'INVALID_ARGUMENT',
  EINVAL: 'INVALID_ARGUMENT',
  ENAMETOOLONG: 'INVALID_ARGUMENT',
  EXDEV: 'INVALID_ARGUMENT',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
  EROFS: 'PERMISSION_DENIED',
  ELOOP: 'FAILED_PRECONDITION',
  ENOSPC: 'INSUFFICIENT_STORAGE',
  EDQUOT: 'INSUFFICIENT_STORAGE',
  // zlib: a gzip request body that is corrupt or cut short is the client's fault.
  Z_DATA_ERROR: 'INVALID_ARGUMENT',
  Z_BUF_ERROR: 'INVALID_ARGUMENT',
};

/**
 * Wraps a failed system call as an EnvdError with the code its errno implies
 * (unknown errnos become INTERNAL). `what` prefixes the message, e.g. "error renaming".
 */
export function fromSystemError(error: unknown, what: string): EnvdError {
  if (error instanceof EnvdError) return error;
  const errno = errnoCode(error);
  const code = (errno && ERRNO_TO_CODE[errno]) || 'INTERNAL';
  const detail = error instanceof Error ? error.message : String(error);
  return new EnvdError(code, `${what}: ${detail}`, { cause: error });
}
