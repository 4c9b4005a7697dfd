import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HOST_SECRET_HEADER } from '../contract.js';
import type { Logger } from '../log/logger.js';
import { sendError } from './json-response.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The host↔envd credential check, shared by both servers. */
export interface HostAuth {
  /** Wraps a request handler: a request without the secret gets 401 and never reaches it. */
  guard(handler: Handler): Handler;
  /** For `upgrade` events: true when the request may go on; otherwise answers 401 and closes. */
  allowUpgrade(req: IncomingMessage, socket: Duplex): boolean;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Checks {@link HOST_SECRET_HEADER} on every request (health included) in constant time:
 * both sides are hashed to equal length first, so neither the length nor a prefix of the
 * secret leaks through timing. The header is removed once checked, so no handler sees it.
 * A refusal is logged with the path only (queries may hold signatures).
 */
export function createHostAuth(secret: string, server: 'api' | 'control', logger: Logger): HostAuth {
  const expected = digest(secret);
  const check = (req: IncomingMessage): boolean => {
    const got = req.headers[HOST_SECRET_HEADER];
    const ok = typeof got === 'string' && timingSafeEqual(digest(got), expected);
    delete req.headers[HOST_SECRET_HEADER];
    for (let i = req.rawHeaders.length - 2; i >= 0; i -= 2) {
      if (req.rawHeaders[i]?.toLowerCase() === HOST_SECRET_HEADER) req.rawHeaders.splice(i, 2);
    }
    if (!ok) {
      logger.warn('envd.unauthorized', {
        server,
        method: req.method,
        path: (req.url ?? '/').split('?')[0],
        header: got === undefined ? 'missing' : 'wrong',
      });
    }
    return ok;
  };
  return {
    guard: (handler) => (req, res) => {
      if (check(req)) return handler(req, res);
      res.shouldKeepAlive = false;
      sendError(res, 401, 'missing or wrong host credential');
    },
    allowUpgrade(req, socket) {
      if (check(req)) return true;
      const body = JSON.stringify({ code: 401, message: 'missing or wrong host credential' });
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        () => socket.destroy(),
      );
      return false;
    },
  };
}
