import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * E2B's signed-URL signature for `/files` (spec §3.5):
 * `v1_` + unpadded standard base64 of sha256(`path:operation:user:token[:expiration]`).
 */
export function fileSignature(p: {
  path: string;
  operation: 'read' | 'write';
  user: string;
  accessToken: string;
  expiration?: number;
}): string {
  let raw = `${p.path}:${p.operation}:${p.user}:${p.accessToken}`;
  if (p.expiration !== undefined) raw += `:${p.expiration}`;
  return `v1_${createHash('sha256').update(raw).digest('base64').replace(/=+$/, '')}`;
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Outcome of {@link checkEnvdAccess}. */
export type AccessCheck = { ok: true } | { ok: false; message: string };

/**
 * envd's access rule: with a token, every path but `GET /health` needs `X-Access-Token`;
 * `/files` also accepts a URL signature (optionally with an expiry).
 */
export function checkEnvdAccess(o: {
  accessToken: string | null;
  method: string;
  url: URL;
  headerToken: string | undefined;
  nowS?: number;
}): AccessCheck {
  const token = o.accessToken;
  if (!token) return { ok: true };
  const p = o.url.pathname;
  if (p === '/health' && o.method === 'GET') return { ok: true };
  const isFiles = p === '/files' && (o.method === 'GET' || o.method === 'POST');
  if (o.headerToken !== undefined) {
    if (safeEqual(o.headerToken, token)) return { ok: true };
    return {
      ok: false,
      message: isFiles
        ? 'access token present in header but does not match'
        : 'unauthorized access, please provide a valid access token or method signing if supported',
    };
  }
  if (!isFiles) {
    return {
      ok: false,
      message: 'unauthorized access, please provide a valid access token or method signing if supported',
    };
  }
  const sig = o.url.searchParams.get('signature');
  if (!sig) return { ok: false, message: 'missing signature query parameter' };
  const expRaw = o.url.searchParams.get('signature_expiration');
  let expiration: number | undefined;
  if (expRaw !== null) {
    expiration = Number(expRaw);
    if (!Number.isInteger(expiration)) return { ok: false, message: 'invalid signature expiration' };
  }
  const expected = fileSignature({
    path: o.url.searchParams.get('path') ?? '',
    operation: o.method === 'GET' ? 'read' : 'write',
    user: o.url.searchParams.get('username') ?? '',
    accessToken: token,
    expiration,
  });
  if (!safeEqual(sig, expected)) return { ok: false, message: 'invalid signature' };
  if (expiration !== undefined && expiration < (o.nowS ?? Math.floor(Date.now() / 1000))) {
    return { ok: false, message: 'signature is already expired' };
  }
  return { ok: true };
}
