import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { SoulBoxError } from '../errors/index.js';
import type { ApiEnv } from './api-env.js';
import { MAX_JSON_BYTES } from './http-helpers.js';

/** Admin and DELETE bodies are small JSON objects. */
export const MAX_SMALL_BODY_BYTES = 64 * 1024;

/** Build-context uploads: the upload route counts those bytes itself while they stream to disk. */
const UPLOAD = /^\/templates\/[^/]+\/files\/[^/]+$/;

/**
 * The body limit of a REST route, bytes; undefined = the route streams and bounds its body
 * itself (template uploads, against `uploads.*`).
 */
export function bodyLimitOf(method: string, path: string): number | undefined {
  if (method === 'PUT' && UPLOAD.test(path)) return undefined;
  if (method === 'DELETE' || path.startsWith('/admin/')) return MAX_SMALL_BODY_BYTES;
  return MAX_JSON_BYTES;
}

/**
 * Enforces {@link bodyLimitOf} while the body streams (Hono's `bodyLimit`): a declared
 * `Content-Length` over the limit is refused before a byte is read, and a chunked body is
 * cut as soon as it passes the limit; nothing past the limit is buffered.
 */
export function bodyLimits(): MiddlewareHandler<ApiEnv> {
  const limiters = new Map<number, MiddlewareHandler>();
  const limiter = (maxSize: number) => {
    let l = limiters.get(maxSize);
    if (!l) {
      l = bodyLimit({
        maxSize,
        onError: () => {
          throw new SoulBoxError('PAYLOAD_TOO_LARGE', `request body over ${maxSize} bytes`);
        },
      });
      limiters.set(maxSize, l);
    }
    return l;
  };
  return (c, next) => {
    const max = bodyLimitOf(c.req.method, c.req.path);
    return max === undefined ? next() : limiter(max)(c, next);
  };
}
