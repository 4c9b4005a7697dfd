import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { EnvdError } from '../errors/envd-error.js';
import { normalizeMetadata } from '../filesystem/metadata-xattr.js';
import { writeUserFile } from '../filesystem/write-file.js';
import { resolveUserPath } from '../paths/resolve-path.js';
import type { FilesDeps } from './files-deps.js';
import { sendJson } from './json-response.js';
import { forEachFilePart } from './multipart-files.js';

/** One element of the upload response. */
interface UploadedFile {
  readonly path: string;
  readonly name: string;
  readonly type: 'file';
  readonly metadata?: Readonly<Record<string, string>>;
}

const METADATA_HEADER_PREFIX = 'x-metadata-';

function metadataFromHeaders(req: IncomingMessage): Record<string, string> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    if (name.startsWith(METADATA_HEADER_PREFIX)) {
      pairs.push([name.slice(METADATA_HEADER_PREFIX.length), req.rawHeaders[i + 1] as string]);
    }
  }
  return normalizeMetadata(pairs);
}

/** The request body, decompressed when it came with `Content-Encoding: gzip`. */
function requestBody(req: IncomingMessage): Readable {
  const encoding = req.headers['content-encoding']?.split(';')[0]?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return req;
  if (encoding !== 'gzip') {
    throw new EnvdError('INVALID_ARGUMENT', `unsupported Content-Encoding: ${encoding}, supported: [gzip]`);
  }
  const gunzip = createGunzip();
  req.on('error', (error) => gunzip.destroy(error));
  // Consumers see a corrupt body through their pipeline; zlib may emit the error again
  // after that pipeline has let go, which must not become an uncaught exception.
  gunzip.on('error', () => {});
  return req.pipe(gunzip);
}

/**
 * `POST /files?path=&username=`: multipart (`file` parts; target = `path`, else the part's
 * full filename) or `application/octet-stream` (target = `path`). Answers the list of
 * written files. See spec §3.4.
 */
export async function handleUpload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: FilesDeps,
): Promise<void> {
  const user = deps.resolveUser(url.searchParams.get('username') || undefined);
  const pathParam = url.searchParams.get('path');
  const metadata = metadataFromHeaders(req);
  const mediaType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
  const written: UploadedFile[] = [];

  const write = async (target: string, content: Readable): Promise<void> => {
    const path = resolveUserPath(target, user, deps.state.defaultWorkdir);
    if (written.some((f) => f.path === path)) {
      throw new EnvdError(
        'INVALID_ARGUMENT',
        `you cannot upload multiple files to the same path '${path}' in one upload request, only the first specified file was uploaded`,
      );
    }
    await writeUserFile(path, content, { native: deps.native, user, metadata });
    const hasMetadata = Object.keys(metadata).length > 0;
    written.push({ path, name: basename(path), type: 'file', ...(hasMetadata ? { metadata } : {}) });
    deps.logger.info('files.write', { path, user: user.name });
  };

  if (mediaType === 'application/octet-stream') {
    if (pathParam === null) {
      throw new EnvdError('INVALID_ARGUMENT', 'path query parameter is required for raw body upload');
    }
    await write(pathParam, requestBody(req));
  } else if (mediaType.startsWith('multipart/')) {
    await forEachFilePart(req.headers, requestBody(req), async (part) => {
      const target = pathParam ?? part.filename;
      if (target === undefined) {
        throw new EnvdError('INVALID_ARGUMENT', 'filename not found in Content-Disposition header');
      }
      await writePart(write, target, part.content);
    });
  } else {
    throw new EnvdError(
      'INVALID_ARGUMENT',
      `unsupported content type: ${mediaType || '(none)'}, expected multipart/form-data or application/octet-stream`,
    );
  }
  sendJson(res, 200, written);
}

/**
 * Writes a part through a PassThrough so a failed write never destroys the multipart
 * parser's own part stream (which would stall the parser); the part is drained instead.
 */
async function writePart(
  write: (target: string, content: Readable) => Promise<void>,
  target: string,
  content: Readable,
): Promise<void> {
  const sink = new PassThrough();
  content.pipe(sink);
  try {
    await write(target, sink);
  } catch (error) {
    content.unpipe(sink);
    content.resume();
    throw error;
  }
}
