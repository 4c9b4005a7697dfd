import { ERROR_CODES, type ErrorCode } from './codes.js';

/** The one error type SoulBox throws across areas. `code` is stable; `message` is for people. */
export class SoulBoxError extends Error {
  override readonly name = 'SoulBoxError';
  readonly code: ErrorCode;
  /** Extra fields a client may use (e.g. the port of PORT_NOT_OPEN). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  /** HTTP status from the code table. */
  get status(): number {
    return ERROR_CODES[this.code].http;
  }
}

/** Wraps anything thrown into a SoulBoxError; unknown errors become INTERNAL with the original as cause. */
export function toSoulBoxError(err: unknown): SoulBoxError {
  if (err instanceof SoulBoxError) return err;
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  if (typeof code === 'string' && code in ERROR_CODES) {
    return new SoulBoxError(code as ErrorCode, (err as Error).message, { cause: err });
  }
  return new SoulBoxError('INTERNAL', 'Internal server error', { cause: err });
}

/** Type guard for a SoulBoxError with one of the given codes. */
export function isSoulBoxError(err: unknown, ...codes: ErrorCode[]): err is SoulBoxError {
  return err instanceof SoulBoxError && (codes.length === 0 || codes.includes(err.code));
}
