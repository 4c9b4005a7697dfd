/**
 * Why a call failed, as a closed set:
 * - `api`: the server answered with an error (`status` and SoulBox's `code` tell which);
 * - `connection`: the server could not be reached;
 * - `sandbox`: a command, file or terminal operation inside a sandbox failed;
 * - `build`: a template build step failed;
 * - `usage`: the caller passed something invalid (checked before any request).
 */
export type SoulBoxErrorKind = 'api' | 'connection' | 'sandbox' | 'build' | 'usage';

/** The one error type the SDK throws. `message` is a single line meant for people. */
export class SoulBoxClientError extends Error {
  override readonly name = 'SoulBoxClientError';
  readonly kind: SoulBoxErrorKind;
  /** HTTP status of an `api` error. */
  readonly status: number | undefined;
  /** SoulBox's stable error code (`SANDBOX_NOT_FOUND`, `UNAUTHENTICATED`, ...) when the server gave one. */
  readonly code: string | undefined;

  constructor(
    kind: SoulBoxErrorKind,
    message: string,
    options?: { status?: number; code?: string; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options?.status;
    this.code = options?.code;
  }
}

/** Builds the error for a failed REST answer from E2B's body `{code, message, error_code?}`. */
export function apiError(status: number, bodyText: string): SoulBoxClientError {
  let message = bodyText.trim() || `HTTP ${status}`;
  let code: string | undefined;
  try {
    const body = JSON.parse(bodyText) as { message?: unknown; error_code?: unknown };
    if (typeof body.message === 'string') message = body.message;
    if (typeof body.error_code === 'string') code = body.error_code;
  } catch {
    // Not JSON (a proxy's error page): keep the text.
  }
  if (!code) {
    code = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' }[status];
  }
  return new SoulBoxClientError('api', message.split('\n')[0]!, { status, code });
}

/** Turns a fetch failure (`TypeError: fetch failed`, cause ECONNREFUSED ...) into a connection error. */
export function connectionError(url: string, err: unknown): SoulBoxClientError {
  if (err instanceof SoulBoxClientError) return err;
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new SoulBoxClientError('connection', `cannot reach the SoulBox server at ${url} (${why})`, {
    cause: err,
  });
}
