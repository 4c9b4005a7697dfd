import type { ServerResponse } from 'node:http';
import { EnvdError, ERROR_CODES } from '../errors/envd-error.js';
import type { Logger } from '../log/logger.js';

/** Writes a JSON body with an exact Content-Length. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** envd's error body everywhere on the plain endpoints: `{"code": <status>, "message": "…"}`. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    // Too late for a status: cut the connection so the client sees a truncated response.
    res.destroy();
    return;
  }
  sendJson(res, status, { code: status, message });
}

/**
 * The HTTP edge's single catch: an EnvdError maps through the code table; anything else is
 * logged and answered as a generic 500.
 */
export function sendFailure(res: ServerResponse, error: unknown, logger: Logger, route: string): void {
  if (res.headersSent) {
    // Failed mid-body (typically the client went away): nothing useful can be sent.
    res.destroy();
    return;
  }
  if (error instanceof EnvdError) {
    sendError(res, ERROR_CODES[error.code].httpStatus, error.message);
    return;
  }
  logger.error('http.internal_error', { route, err: error });
  sendError(res, 500, 'internal error');
}
