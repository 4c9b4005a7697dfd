import type { Context } from 'hono';
import type { z } from 'zod';
import { SoulBoxError } from '../errors/index.js';

/** Largest JSON body the REST API reads. */
export const MAX_JSON_BYTES = 1024 * 1024;

/** Reads and validates a JSON body. An empty body counts as `{}`. */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const len = Number(c.req.header('content-length') ?? 0);
  if (len > MAX_JSON_BYTES)
    throw new SoulBoxError('PAYLOAD_TOO_LARGE', `request body over ${MAX_JSON_BYTES} bytes`);
  const text = await c.req.text();
  if (text.length > MAX_JSON_BYTES)
    throw new SoulBoxError('PAYLOAD_TOO_LARGE', `request body over ${MAX_JSON_BYTES} bytes`);
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw new SoulBoxError('MALFORMED_JSON', 'request body is not valid JSON');
    }
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'body';
    throw new SoulBoxError('INVALID_ARGUMENT', `${where}: ${issue.message}`);
  }
  return r.data;
}

/** The E2B error body `{code, message}` (+ SoulBox's stable `error_code`). */
export function errorBody(err: SoulBoxError) {
  return { code: err.status, message: err.message, error_code: err.code };
}
