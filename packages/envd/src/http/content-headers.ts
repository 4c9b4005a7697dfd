import { extname } from 'node:path';

// Go's mime package built-ins plus the types people download most from a sandbox.
const TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.avif': 'image/avif',
  '.css': 'text/css; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.gif': 'image/gif',
  '.gz': 'application/gzip',
  '.htm': 'text/html; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.tar': 'application/x-tar',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.webp': 'image/webp',
  '.xml': 'text/xml; charset=utf-8',
  '.zip': 'application/zip',
};

/** True if the bytes hold a control character that text files do not contain. */
function looksBinary(head: Uint8Array): boolean {
  for (const byte of head) {
    if (byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f)) {
      return true;
    }
  }
  return false;
}

/**
 * Content-Type of a download: by extension, else sniffed from the first bytes the way Go's
 * http.DetectContentType tells text from binary.
 */
export function contentTypeFor(path: string, head: Uint8Array): string {
  const known = TYPES_BY_EXTENSION[extname(path).toLowerCase()];
  if (known) return known;
  return looksBinary(head) ? 'application/octet-stream' : 'text/plain; charset=utf-8';
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `inline; filename=<name>` formatted like Go's mime.FormatMediaType: a bare token when
 * possible, a quoted string for other ASCII, RFC 2231 `filename*=` for non-ASCII.
 */
export function contentDisposition(filename: string): string {
  if (TOKEN.test(filename)) return `inline; filename=${filename}`;
  if (/^[\x20-\x7e]*$/.test(filename)) return `inline; filename="${filename.replace(/(["\\])/g, '\\$1')}"`;
  return `inline; filename*=utf-8''${encodeURIComponent(filename)}`;
}
