import { type FileHandle, open, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { EnvdError, errnoCode, fromSystemError } from '../errors/envd-error.js';
import { resolveUserPath } from '../paths/resolve-path.js';
import { decideRange } from './byte-range.js';
import { contentDisposition, contentTypeFor } from './content-headers.js';
import type { FilesDeps } from './files-deps.js';

function notModified(req: IncomingMessage, mtime: Date): boolean {
  const since = req.headers['if-modified-since'];
  if (!since || req.headers['if-none-match']) return false;
  const sinceMs = Date.parse(since);
  // HTTP dates have whole seconds.
  return !Number.isNaN(sinceMs) && Math.floor(mtime.getTime() / 1000) * 1000 <= sinceMs;
}

/** Range applies unless If-Range names another version (a date other than ours, or an ETag). */
function rangeHeader(req: IncomingMessage, lastModified: string): string | undefined {
  const ifRange = req.headers['if-range'];
  if (ifRange && ifRange !== lastModified) return undefined;
  return req.headers.range;
}

/**
 * Compression is opt-in: only `Accept-Encoding: gzip` exactly (what the SDK sends for
 * `files.read(…, {gzip: true})`). undici's default `gzip, deflate` gets identity, so the
 * SDK's Content-Length check for empty files keeps working.
 */
function wantsGzip(req: IncomingMessage): boolean {
  if (req.headers.range || req.headers['if-modified-since'] || req.headers['if-none-match']) return false;
  return req.headers['accept-encoding']?.trim().toLowerCase() === 'gzip';
}

async function openFile(path: string): Promise<FileHandle> {
  // Opening a FIFO would block a libuv worker thread until some writer shows up.
  const kind = await stat(path).catch(() => undefined);
  if (kind?.isFIFO() || kind?.isSocket()) {
    throw new EnvdError('INVALID_ARGUMENT', `path '${path}' is not a regular file`);
  }
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
      throw new EnvdError('NOT_FOUND', `path '${path}' does not exist`);
    }
    throw fromSystemError(error, `error opening file '${path}'`);
  }
  const st = await file.stat();
  if (st.isDirectory()) {
    await file.close();
    throw new EnvdError('INVALID_ARGUMENT', `path '${path}' is a directory`);
  }
  return file;
}

/**
 * `GET /files?path=&username=`: the file's bytes, with Content-Length, Content-Disposition,
 * Last-Modified, single Range requests and If-Modified-Since, like Go's http.ServeContent.
 * @throws EnvdError UNAUTHENTICATED (unknown user), NOT_FOUND, INVALID_ARGUMENT (directory)
 */
export async function handleDownload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: FilesDeps,
): Promise<void> {
  const user = deps.resolveUser(url.searchParams.get('username') || undefined);
  const path = resolveUserPath(url.searchParams.get('path') ?? '', user, deps.state.defaultWorkdir);
  const file = await openFile(path);
  try {
    const st = await file.stat();
    const size = st.size;
    const head = Buffer.alloc(Math.min(size, 512));
    if (head.length > 0) await file.read(head, 0, head.length, 0);
    const lastModified = st.mtime.toUTCString();
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Content-Type', contentTypeFor(path, head));
    res.setHeader('Content-Disposition', contentDisposition(basename(path)));
    res.setHeader('Last-Modified', lastModified);

    if (notModified(req, st.mtime)) {
      res.writeHead(304);
      res.end();
      return;
    }
    if (wantsGzip(req)) {
      res.writeHead(200, { 'Content-Encoding': 'gzip' });
      if (req.method === 'HEAD') return void res.end();
      await pipeline(file.createReadStream(), createGzip(), res);
      return;
    }

    res.setHeader('Accept-Ranges', 'bytes');
    const decision = decideRange(rangeHeader(req, lastModified), size);
    if (decision.kind === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
      res.end();
      return;
    }
    const { start, end } = decision.kind === 'partial' ? decision.range : { start: 0, end: size - 1 };
    const length = Math.max(end - start + 1, 0);
    if (decision.kind === 'partial') {
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': length });
    } else {
      res.writeHead(200, { 'Content-Length': length });
    }
    if (req.method === 'HEAD' || length === 0) return void res.end();
    await pipeline(file.createReadStream({ start, end }), res);
  } finally {
    await file.close();
  }
}
