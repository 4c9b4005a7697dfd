import { Code, ConnectError } from '@connectrpc/connect';
import { codeFromString } from '@connectrpc/connect/protocol-connect';
import { EnvdError, ERROR_CODES } from '../errors/envd-error.js';
import type { Logger } from '../log/logger.js';

/**
 * The RPC edge's single catch: EnvdErrors keep their code and message; anything else is an
 * internal error whose cause is logged, not sent.
 */
export function toConnectError(error: unknown, logger: Logger, method: string): ConnectError {
  if (error instanceof ConnectError) return error;
  // The client went away (its request signal aborted): nothing to report or log.
  if (error instanceof Error && error.name === 'AbortError') return ConnectError.from(error, Code.Canceled);
  if (error instanceof EnvdError) {
    const code = codeFromString(ERROR_CODES[error.code].connectCode) ?? Code.Internal;
    return new ConnectError(error.message, code, undefined, undefined, error);
  }
  logger.error('rpc.internal_error', { method, err: error });
  return new ConnectError('internal error', Code.Internal, undefined, undefined, error);
}

/** Wraps a unary handler so its errors leave through {@link toConnectError}. */
export function unaryHandler<Req, Res, Ctx>(
  logger: Logger,
  method: string,
  handler: (request: Req, context: Ctx) => Promise<Res>,
): (request: Req, context: Ctx) => Promise<Res> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      throw toConnectError(error, logger, method);
    }
  };
}

/**
 * Wraps a server-streaming handler likewise. connect-node sends a thrown error as HTTP 200
 * plus an end-of-stream error, even before the first message, which is what the SDK needs.
 */
export function streamHandler<Req, Res, Ctx>(
  logger: Logger,
  method: string,
  handler: (request: Req, context: Ctx) => AsyncIterable<Res>,
): (request: Req, context: Ctx) => AsyncIterable<Res> {
  return async function* (request, context) {
    try {
      yield* handler(request, context);
    } catch (error) {
      throw toConnectError(error, logger, method);
    }
  };
}

/**
 * A stream's queue also ends when the request signal aborts. A deadline (or shutdown) must
 * reach the client as that error, not as a clean end; a client that left gets nothing.
 */
export function throwIfDeadline(context: { readonly signal: AbortSignal }): void {
  if (context.signal.aborted && context.signal.reason instanceof ConnectError) throw context.signal.reason;
}
